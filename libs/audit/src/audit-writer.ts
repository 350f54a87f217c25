import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { Sql } from '#database/sql.js';
import { currentRequestMeta } from '#platform/context/request-meta.js';
import { uuidv7 } from '#platform/ids/uuidv7.js';
import { Clock } from '#platform/time/clock.js';
import type { AuditAction } from './audit-actions.js';

export interface AuditActor {
  readonly type: 'user' | 'client' | 'system' | 'anonymous';
  readonly id?: string | null;
}

export interface AuditStamp {
  readonly id: string;
  readonly occurredAt: Date;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly requestId: string | null;
  /** Sanitized, as JSON. */
  readonly metadata: string;
}

export interface AuditRecord {
  readonly action: AuditAction;
  /** Null for platform events. */
  readonly tenantId: string | null;
  readonly actor: AuditActor;
  readonly target?: { readonly type: string; readonly id: string };
  readonly outcome?: 'success' | 'failure';
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/**
 * Keys whose values must never reach the audit trail, whatever a caller passes (SPEC §7): any key
 * ending in one of these words (`password`, `client_secret`, `access_token`, `session_id`,
 * `token_hash`, `code`...). Counts and types such as `sessions_ended` or `token_type` stay.
 */
const FORBIDDEN_KEY = /(^|_)(pass|password|secret|token|cookie|authorization|session|session_id|sid|hash|code_verifier|code)$/i;

export const AUDIT_COLUMNS = 'id, occurred_at, tenant_id, actor_type, actor_id, action, target_type, target_id, outcome, ip, user_agent, request_id, metadata';

/** `values (...)` for one event, matching AUDIT_COLUMNS and AuditWriter.values(). */
export const AUDIT_VALUES = 'values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)';

/**
 * Writes audit events. `record` joins the caller's transaction, so an event commits or rolls back
 * with its change; `recordIndependently` is its own statement on its own connection, for events
 * with no state change (failed sign-ins, denials, reuse) that must survive a failed transaction.
 * Request metadata (request id, ip, user agent) comes from the request being served.
 */
@Injectable()
export class AuditWriter {
  constructor(
    private readonly em: EntityManager,
    private readonly sql: Sql,
    private readonly clock: Clock,
  ) {}

  async record(event: AuditRecord): Promise<void> {
    await this.em.execute(`insert into audit_events (${AUDIT_COLUMNS}) ${AUDIT_VALUES}`, this.values(event));
  }

  async recordIndependently(event: AuditRecord): Promise<void> {
    await this.sql.run(`insert into audit_events (${AUDIT_COLUMNS}) ${AUDIT_VALUES}`, this.values(event));
  }

  /**
   * The parts of an event a statement cannot compute itself (id, time, request metadata, sanitized
   * metadata), for statements that take actor and target from the rows they change.
   */
  stamp(metadata: Readonly<Record<string, unknown>>): AuditStamp {
    const meta = currentRequestMeta();
    const now = this.clock.now();
    return {
      id: uuidv7(now.getTime()),
      occurredAt: now,
      ip: meta.ip?.slice(0, 64) ?? null,
      userAgent: meta.userAgent?.slice(0, 512) ?? null,
      requestId: meta.requestId?.slice(0, 128) ?? null,
      metadata: JSON.stringify(sanitize(metadata)),
    };
  }

  /** The column values of an event, in AUDIT_COLUMNS order (for statements that insert it themselves). */
  values(event: AuditRecord): unknown[] {
    const meta = currentRequestMeta();
    const now = this.clock.now();
    return [
      uuidv7(now.getTime()),
      now,
      event.tenantId,
      event.actor.type,
      event.actor.id ?? null,
      event.action,
      event.target?.type ?? null,
      event.target?.id ?? null,
      event.outcome ?? 'success',
      meta.ip?.slice(0, 64) ?? null,
      meta.userAgent?.slice(0, 512) ?? null,
      meta.requestId?.slice(0, 128) ?? null,
      JSON.stringify(sanitize(event.metadata ?? {})),
    ];
  }
}

function sanitize(metadata: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const clean: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (FORBIDDEN_KEY.test(key)) continue;
    clean[key] = value !== null && typeof value === 'object' && !Array.isArray(value) ? sanitize(value as Record<string, unknown>) : value;
  }
  return clean;
}

/** A stamp's parameters for `select ?, ?, <tenant>, <actor...>, ?, ?, ?, ?::jsonb`: id and time, then ip, user agent, request id, metadata. */
export function stampValues(stamp: AuditStamp): unknown[] {
  return [stamp.id, stamp.occurredAt, stamp.ip, stamp.userAgent, stamp.requestId, stamp.metadata];
}
