import { OptionalProps } from '@mikro-orm/core';
import { Check, Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { uuidv7 } from '#platform/ids/uuidv7.js';
import { Tenant } from '#tenancy/tenant.entity.js';
import { User } from './user.entity.js';

export type SessionPlane = 'admin' | 'auth';

/**
 * A server-side session. The cookie carries a 256-bit random token; only its SHA-256 is stored.
 * It ends at `expiresAt` (absolute) or after the idle timeout counted from `lastSeenAt`.
 */
@Entity({ tableName: 'sessions' })
@Index({ name: 'sessions_user_id_index', properties: ['user'] })
@Index({ name: 'sessions_tenant_id_index', properties: ['tenant'] })
@Index({ name: 'sessions_expires_at_index', properties: ['expiresAt'] })
@Check({ name: 'sessions_plane_check', expression: `plane in ('admin', 'auth')` })
export class Session {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => Tenant, { updateRule: 'no action', deleteRule: 'no action' })
  tenant!: Tenant;

  @ManyToOne(() => User, { deleteRule: 'cascade', updateRule: 'no action' })
  user!: User;

  @Property({ type: 'string', length: 8 })
  plane!: SessionPlane;

  /** Hex SHA-256 of the cookie token. */
  @Property({ type: 'string', length: 64, collation: 'C' })
  @Unique({ name: 'sessions_token_hash_unique' })
  tokenHash!: string;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime' })
  lastSeenAt!: Date;

  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Property({ type: 'string', length: 64, nullable: true })
  ip?: string | null;

  @Property({ type: 'string', length: 512, nullable: true })
  userAgent?: string | null;
}
