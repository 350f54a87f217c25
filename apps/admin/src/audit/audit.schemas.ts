import { z } from 'zod';
import { AUDIT_QUERY_MAX_WINDOW_MS } from '#audit/audit-query.entity.js';
import { pageQueryShape, pageSchema, timestampSchema, uuidSchema } from '#platform/api/common.schemas.js';

/** Request and response schemas of the audit trail (SPEC §7). */

export const REASON_LIMITS = { min: 10, max: 500 } as const;

/** An instant with an explicit offset (`Z` or `±hh:mm`), as a Date. */
const instant = (description: string) =>
  z.iso
    .datetime({ offset: true, message: 'expected an ISO 8601 date-time with an offset, such as 2026-01-31T12:00:00Z' })
    .transform((value) => new Date(value))
    .meta({ description });

/** Audit ids are UUIDs, but actors and targets are not all (key ids): short plain tokens. */
const auditId = (description: string) =>
  z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._:-]+$/, { message: 'expected an id' })
    .meta({ description });

const filterShape = {
  action: z
    .string()
    .max(64)
    .regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/, { message: 'expected a dotted action name such as user.created' })
    .optional()
    .meta({ description: 'Only events with exactly this action (e.g. `auth.login.failed`).' }),
  actor_id: auditId('Only events by this actor (a user or client id).').optional(),
  target_id: auditId('Only events about this target.').optional(),
  outcome: z.enum(['success', 'failure']).optional(),
};

export const listAuditEventsQuery = z
  .strictObject({
    ...pageQueryShape,
    ...filterShape,
    from: instant('Only events that occurred at or after this instant.').optional(),
    to: instant('Only events that occurred before this instant.').optional(),
  })
  .refine((query) => !(query.from instanceof Date && query.to instanceof Date) || query.from <= query.to, { message: 'from must not be after to', path: ['from'] });

export const auditQueryEventsQuery = z.strictObject({ ...pageQueryShape, ...filterShape });

export const declareAuditQueryBody = z
  .strictObject({
    tenant_id: uuidSchema.meta({ description: 'The tenant whose events are to be read.' }),
    reason: z
      .string()
      .trim()
      .min(REASON_LIMITS.min, { message: `expected at least ${REASON_LIMITS.min} characters` })
      .max(REASON_LIMITS.max, { message: `expected at most ${REASON_LIMITS.max} characters` })
      .meta({ description: 'Why the events are needed; recorded in the tenant’s own audit trail.' }),
    from: instant('Start of the window (inclusive).'),
    to: instant('End of the window (exclusive); at most 31 days after from.'),
  })
  .superRefine((body, ctx) => {
    // Checks on the whole run even when a field failed; they only judge well-formed instants.
    if (!(body.from instanceof Date && body.to instanceof Date)) return;
    if (body.from >= body.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'to must be after from' });
    else if (body.to.getTime() - body.from.getTime() > AUDIT_QUERY_MAX_WINDOW_MS) ctx.addIssue({ code: 'custom', path: ['to'], message: 'the window may cover at most 31 days' });
  });

export const auditQueryParams = z.strictObject({ queryId: uuidSchema });

export const auditEventSchema = z
  .object({
    id: uuidSchema,
    occurred_at: timestampSchema,
    tenant_id: uuidSchema.nullable().meta({ description: 'Null for platform events.' }),
    actor: z.object({ type: z.enum(['user', 'client', 'system', 'anonymous']), id: z.string().nullable() }),
    action: z.string(),
    target: z.object({ type: z.string(), id: z.string().nullable() }).nullable(),
    outcome: z.enum(['success', 'failure']),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    request_id: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEvent' });

export const auditEventPageSchema = pageSchema(auditEventSchema);

export const declaredAuditQuerySchema = z
  .object({
    id: uuidSchema,
    tenant_id: uuidSchema,
    from: timestampSchema,
    to: timestampSchema,
    expires_at: timestampSchema.meta({ description: 'One hour after the declaration; only its creator may use it until then.' }),
  })
  .meta({ id: 'AuditQuery' });
