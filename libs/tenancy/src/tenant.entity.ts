import { OptionalProps } from '@mikro-orm/core';
import { Check, Entity, PrimaryKey, Property, Trigger, Unique } from '@mikro-orm/decorators/legacy';
import { clientChangeTrigger } from '#database/notifications/client-changes.js';
import { uuidv7 } from '#platform/ids/uuidv7.js';
import { TENANT_SLUG_PATTERN_SQL } from './tenant-slug.js';

export type TenantStatus = 'active' | 'suspended';

/**
 * A customer organisation: its own OpenID issuer (`/t/{slug}`), users, clients and keys.
 * The slug never changes and is never reused, even after a soft delete, because it is part of
 * every issuer URL and every token that issuer ever signed.
 */
@Entity({ tableName: 'tenants' })
@Check({ name: 'tenants_slug_check', expression: `slug ~ '${TENANT_SLUG_PATTERN_SQL}'` })
@Check({ name: 'tenants_status_check', expression: `status in ('active', 'suspended')` })
@Trigger(clientChangeTrigger('tenants'))
export class Tenant {
  [OptionalProps]?: 'status' | 'createdAt' | 'updatedAt' | 'deletedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'string', length: 63 })
  @Unique({ name: 'tenants_slug_unique' })
  slug!: string;

  @Property({ type: 'string', length: 200 })
  name!: string;

  @Property({ type: 'string', length: 16 })
  status: TenantStatus = 'active';

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Property({ type: 'datetime', nullable: true })
  deletedAt?: Date;
}
