import { Check, Entity, Index, PrimaryKey, Property, Trigger } from '@mikro-orm/decorators/legacy';

/** Retention the purge may never go below (SPEC §7): rows younger than this cannot be deleted at all. */
export const MINIMUM_RETENTION_DAYS = 90;

/**
 * One audit event (SPEC §7). Append-only, enforced by PostgreSQL: UPDATE and TRUNCATE are always
 * refused, and DELETE only for rows older than the minimum retention, and only inside a
 * transaction that declared itself the retention purge (`set local opentrusty.audit_purge = 'on'`).
 * The application's own connection therefore cannot rewrite or erase history. (The TRUNCATE
 * trigger lives in the migration only: the ORM's schema introspection does not see statement
 * triggers, so declaring it here would look like drift.)
 */
@Entity({ tableName: 'audit_events' })
@Index({ name: 'audit_events_tenant_id_occurred_at_index', properties: ['tenantId', 'occurredAt', 'id'] })
@Index({ name: 'audit_events_actor_id_index', properties: ['actorId'] })
@Index({ name: 'audit_events_target_id_index', properties: ['targetId'] })
@Index({ name: 'audit_events_action_index', properties: ['action'] })
@Index({ name: 'audit_events_occurred_at_index', properties: ['occurredAt'], type: 'brin' })
@Check({ name: 'audit_events_outcome_check', expression: `outcome in ('success', 'failure')` })
@Check({ name: 'audit_events_actor_type_check', expression: `actor_type in ('user', 'client', 'system', 'anonymous')` })
@Trigger({
  name: 'audit_events_no_update',
  timing: 'before',
  events: ['update'],
  forEach: 'row',
  body: `raise exception 'audit events are append-only' using errcode = 'insufficient_privilege';`,
})
@Trigger({
  name: 'audit_events_purge_only',
  timing: 'before',
  events: ['delete'],
  forEach: 'row',
  body: `if coalesce(current_setting('opentrusty.audit_purge', true), '') <> 'on' or old.occurred_at >= now() - interval '${MINIMUM_RETENTION_DAYS} days' then
    raise exception 'audit events are deleted only by the retention purge' using errcode = 'insufficient_privilege';
  end if;
  return old;`,
})
export class AuditEvent {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'datetime' })
  occurredAt!: Date;

  /** Null for platform events. */
  @Property({ type: 'uuid', nullable: true })
  tenantId?: string | null;

  @Property({ type: 'string', length: 16 })
  actorType!: 'user' | 'client' | 'system' | 'anonymous';

  @Property({ type: 'string', length: 64, nullable: true, collation: 'C' })
  actorId?: string | null;

  @Property({ type: 'string', length: 64, collation: 'C' })
  action!: string;

  @Property({ type: 'string', length: 32, nullable: true })
  targetType?: string | null;

  @Property({ type: 'string', length: 64, nullable: true, collation: 'C' })
  targetId?: string | null;

  @Property({ type: 'string', length: 8 })
  outcome!: 'success' | 'failure';

  @Property({ type: 'string', length: 64, nullable: true })
  ip?: string | null;

  @Property({ type: 'string', length: 512, nullable: true })
  userAgent?: string | null;

  @Property({ type: 'string', length: 128, nullable: true })
  requestId?: string | null;

  @Property({ type: 'json' })
  metadata!: Record<string, unknown>;
}
