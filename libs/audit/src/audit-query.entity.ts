import { Check, Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { uuidv7 } from '#platform/ids/uuidv7.js';

/** How long a declaration may be used after it is made (SPEC §7: one hour). */
export const AUDIT_QUERY_LIFETIME_MS = 60 * 60 * 1000;

/** The widest window a declaration may cover (SPEC §7: 31 days). */
export const AUDIT_QUERY_MAX_WINDOW_MS = 31 * 24 * 60 * 60 * 1000;

/**
 * A platform administrator's declared query of one tenant's audit events (SPEC §7): the tenant,
 * the reason, the time window it may read, and until when. Only its creator may use it, and only
 * before `expiresAt`. Like the audit events it exists for, it keeps plain ids rather than foreign
 * keys: it is a record of what was asked, independent of the tenant's and the user's lifecycle.
 * Making one and each use of it are audit events of the examined tenant.
 */
@Entity({ tableName: 'audit_queries' })
@Index({ name: 'audit_queries_declared_by_index', properties: ['declaredBy'] })
@Check({ name: 'audit_queries_window_check', expression: 'window_from < window_to' })
export class AuditQuery {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  /** The tenant whose events the query reads. */
  @Property({ type: 'uuid' })
  tenantId!: string;

  /** The platform administrator (a user id) who declared it; nobody else may use it. */
  @Property({ type: 'uuid' })
  declaredBy!: string;

  @Property({ type: 'string', length: 500 })
  reason!: string;

  /** Inclusive start of the window of events it may read. */
  @Property({ type: 'datetime' })
  windowFrom!: Date;

  /** Exclusive end of that window. */
  @Property({ type: 'datetime' })
  windowTo!: Date;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime' })
  expiresAt!: Date;
}
