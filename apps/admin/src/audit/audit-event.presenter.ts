import type { z } from 'zod';
import type { AuditEventRow } from '#audit/audit-event.repository.js';
import type { auditEventSchema } from './audit.schemas.js';

export type AuditEventView = z.output<typeof auditEventSchema>;

/**
 * The API view of an audit event (SPEC §7). An NDJSON export has the same view on each line,
 * rendered by PostgreSQL (AuditEventRepository.exportLines) so that millions of events never become objects here.
 */
export function presentAuditEvent(row: AuditEventRow): AuditEventView {
  return {
    id: row.id,
    occurred_at: row.occurred_at,
    tenant_id: row.tenant_id,
    actor: { type: row.actor_type, id: row.actor_id },
    action: row.action,
    target: row.target_type === null ? null : { type: row.target_type, id: row.target_id },
    outcome: row.outcome,
    ip: row.ip,
    user_agent: row.user_agent,
    request_id: row.request_id,
    metadata: row.metadata,
  };
}
