import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { PageRequest } from '#platform/api/pagination.js';

/** One audit event as stored, read as a plain row (never an entity: exports read millions of them). */
export interface AuditEventRow {
  readonly id: string;
  /** ISO 8601 in UTC with milliseconds, formatted by PostgreSQL. */
  readonly occurred_at: string;
  readonly tenant_id: string | null;
  readonly actor_type: 'user' | 'client' | 'system' | 'anonymous';
  readonly actor_id: string | null;
  readonly action: string;
  readonly target_type: string | null;
  readonly target_id: string | null;
  readonly outcome: 'success' | 'failure';
  readonly ip: string | null;
  readonly user_agent: string | null;
  readonly request_id: string | null;
  readonly metadata: Record<string, unknown>;
}

/** Whose events: one tenant's, or the platform's own (`tenantId: null`, the events with no tenant). */
export interface AuditScope {
  readonly tenantId: string | null;
}

export interface AuditEventFilter {
  readonly action?: string | undefined;
  readonly actorId?: string | undefined;
  readonly targetId?: string | undefined;
  readonly outcome?: 'success' | 'failure' | undefined;
  /** Inclusive. */
  readonly from?: Date | undefined;
  /** Exclusive. */
  readonly to?: Date | undefined;
}

/** Rows per statement of an export: large enough to be cheap, small enough to stay out of the way. */
export const EXPORT_BATCH_SIZE = 1000;

const OCCURRED_AT = `to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const COLUMNS = `e.id, ${OCCURRED_AT} as occurred_at, e.tenant_id, e.actor_type, e.actor_id, e.action, e.target_type, e.target_id, e.outcome, e.ip, e.user_agent, e.request_id, e.metadata`;

/**
 * The API view of an event (the shape presentAuditEvent builds for pages) as one line of compact
 * JSON, rendered by PostgreSQL: an export hands the Node process one string per event, never an
 * object. The export tests compare these lines with the pages, so the two renderings cannot drift.
 */
const VIEW_LINE = `row_to_json(v)::text as line`;
const VIEW_JOIN = `cross join lateral (
  select e.id, ${OCCURRED_AT} as occurred_at, e.tenant_id,
    (select row_to_json(a) from (select e.actor_type as type, e.actor_id as id) a) as actor,
    e.action,
    case when e.target_type is null then null else (select row_to_json(t) from (select e.target_type as type, e.target_id as id) t) end as target,
    e.outcome, e.ip, e.user_agent, e.request_id, e.metadata
) v`;

/**
 * The only code that reads audit events (SPEC §7). Every statement carries the scope (the tenant,
 * or "no tenant" for platform events) and runs on the (tenant_id, occurred_at, id) index. Reads
 * are plain rows, never entities, so nothing accumulates in the request's identity map. Order
 * is by (occurred_at, id); a position is an event id, resolved inside the statement to that
 * event's (occurred_at, id) within the same scope, so an id from elsewhere matches nothing.
 * Each call is one short statement: nothing is held open between the batches of an export.
 */
@Injectable()
export class AuditEventRepository {
  constructor(private readonly em: EntityManager) {}

  /** Newest first, after the event `page.after`: `limit + 1` rows (see toPage). */
  newestFirst(scope: AuditScope, filter: AuditEventFilter, page: PageRequest): Promise<AuditEventRow[]> {
    const { where, params } = matching(scope, filter, page.after, 'desc');
    return this.em.execute<AuditEventRow[]>(`select ${COLUMNS} from audit_events e where ${where} order by e.occurred_at desc, e.id desc limit ?`, [...params, page.limit + 1]);
  }

  /** Oldest first, after the event `after`: at most `size` events, each as its JSON line. */
  oldestFirst(scope: AuditScope, filter: AuditEventFilter, after: string | undefined, size: number): Promise<{ id: string; line: string }[]> {
    const { where, params } = matching(scope, filter, after, 'asc');
    return this.em.execute<{ id: string; line: string }[]>(`select e.id, ${VIEW_LINE} from audit_events e ${VIEW_JOIN} where ${where} order by e.occurred_at asc, e.id asc limit ?`, [...params, size]);
  }

  /**
   * Every matching event as its JSON line, oldest first, one statement per batch of `size`.
   * Nothing is read ahead: the next statement runs when the consumer asks for the next batch, and
   * never once it stops.
   */
  async *exportLines(scope: AuditScope, filter: AuditEventFilter, size = EXPORT_BATCH_SIZE): AsyncGenerator<string[], void, undefined> {
    let after: string | undefined;
    for (;;) {
      const rows = await this.oldestFirst(scope, filter, after, size);
      if (rows.length > 0) yield rows.map((row) => row.line);
      if (rows.length < size) return;
      after = rows.at(-1)!.id;
    }
  }
}

/** The WHERE clause of a scope, a filter and a position (`after`, in the given order). */
function matching(scope: AuditScope, filter: AuditEventFilter, after: string | undefined, direction: 'asc' | 'desc'): { where: string; params: unknown[] } {
  const { sql: scoped, params } = scopeCondition('e', scope);
  const conditions = [scoped];
  const add = (condition: string, value: unknown) => {
    conditions.push(condition);
    params.push(value);
  };
  if (filter.action !== undefined) add('e.action = ?', filter.action);
  if (filter.actorId !== undefined) add('e.actor_id = ?', filter.actorId);
  if (filter.targetId !== undefined) add('e.target_id = ?', filter.targetId);
  if (filter.outcome !== undefined) add('e.outcome = ?', filter.outcome);
  if (filter.from !== undefined) add('e.occurred_at >= ?', filter.from);
  if (filter.to !== undefined) add('e.occurred_at < ?', filter.to);
  if (after !== undefined) {
    const position = scopeCondition('p', scope);
    conditions.push(`(e.occurred_at, e.id) ${direction === 'desc' ? '<' : '>'} (select p.occurred_at, p.id from audit_events p where p.id = ? and ${position.sql})`);
    params.push(after, ...position.params);
  }
  return { where: conditions.join(' and '), params };
}

function scopeCondition(alias: string, scope: AuditScope): { sql: string; params: unknown[] } {
  return scope.tenantId === null ? { sql: `${alias}.tenant_id is null`, params: [] } : { sql: `${alias}.tenant_id = ?`, params: [scope.tenantId] };
}
