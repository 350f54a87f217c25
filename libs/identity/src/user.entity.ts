import { OptionalProps, type Rel } from '@mikro-orm/core';
import { Check, Entity, Index, ManyToOne, OneToOne, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { uuidv7 } from '#platform/ids/uuidv7.js';
import { Tenant } from '#tenancy/tenant.entity.js';
import { PasswordCredential } from './password-credential.entity.js';

export type UserStatus = 'active' | 'disabled';

/**
 * An identity. It belongs to exactly one tenant for its whole life; the same email in two
 * tenants is two unrelated users. Emails are stored trimmed and lower-cased, which makes the
 * per-tenant uniqueness case-insensitive.
 */
@Entity({ tableName: 'users' })
@Unique({ name: 'users_tenant_id_email_unique', properties: ['tenant', 'email'] })
@Index({ name: 'users_tenant_id_id_index', properties: ['tenant', 'id'] })
@Index({ name: 'users_tenant_id_email_prefix_index', expression: 'create index "users_tenant_id_email_prefix_index" on "users" ("tenant_id", "email" varchar_pattern_ops)' })
@Index({ name: 'users_tenant_id_name_prefix_index', expression: 'create index "users_tenant_id_name_prefix_index" on "users" ("tenant_id", lower("name") text_pattern_ops)' })
@Check({ name: 'users_status_check', expression: `status in ('active', 'disabled')` })
@Check({ name: 'users_failed_login_count_check', expression: 'failed_login_count >= 0' })
export class User {
  [OptionalProps]?: 'status' | 'emailVerified' | 'failedLoginCount' | 'createdAt' | 'updatedAt' | 'credential';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => Tenant, { updateRule: 'no action', deleteRule: 'no action' })
  tenant!: Tenant;

  @Property({ type: 'string', length: 320 })
  email!: string;

  @Property({ type: 'boolean' })
  emailVerified: boolean = false;

  @Property({ type: 'string', length: 200, nullable: true })
  name?: string | null;

  @Property({ type: 'string', length: 200, nullable: true })
  givenName?: string | null;

  @Property({ type: 'string', length: 200, nullable: true })
  familyName?: string | null;

  @Property({ type: 'string', length: 200, nullable: true })
  nickname?: string | null;

  @Property({ type: 'string', length: 2048, nullable: true })
  picture?: string | null;

  @Property({ type: 'string', length: 35, nullable: true })
  locale?: string | null;

  @Property({ type: 'string', length: 64, nullable: true })
  zoneinfo?: string | null;

  @Property({ type: 'string', length: 16 })
  status: UserStatus = 'active';

  @Property({ type: 'integer' })
  failedLoginCount: number = 0;

  @Property({ type: 'datetime', nullable: true })
  lockedUntil?: Date | null;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @OneToOne(() => PasswordCredential, (credential) => credential.user, { nullable: true })
  credential?: Rel<PasswordCredential> | null;
}
