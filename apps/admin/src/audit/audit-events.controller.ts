import { Controller, Get, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { z } from 'zod';
import { Requires } from '#access/requires.decorator.js';
import type { AuditEventFilter, AuditScope } from '#audit/audit-event.repository.js';
import { ApiRoute } from '#platform/api/api-route.decorator.js';
import { ValidParams, ValidQuery } from '#platform/api/validation.js';
import { tenantParams } from '../users/user.schemas.js';
import { auditEventPageSchema, auditEventSchema, listAuditEventsQuery } from './audit.schemas.js';
import { AuditEventsService } from './audit-events.service.js';
import { refusePagingInExport, sendNdjson, wantsNdjson } from './ndjson.js';

export const AUDIT_TAG = 'Audit';
type ListQuery = z.output<typeof listAuditEventsQuery>;

const EXPORT = 'With Accept: application/x-ndjson, the whole filtered range as NDJSON, oldest first.';

/**
 * The audit trail (SPEC §7): a tenant's events for its owner and admins, the platform's events
 * for platform administrators. Each route answers a JSON page, or streams an NDJSON export.
 */
@Controller('api/v1')
export class AuditEventsController {
  constructor(private readonly events: AuditEventsService) {}

  @Get('tenants/:tenantId/audit-events')
  @Requires('tenant.audit.read')
  @ApiRoute({ tag: AUDIT_TAG, summary: `List the tenant’s audit events, newest first. ${EXPORT}`, params: tenantParams, query: listAuditEventsQuery, response: auditEventPageSchema, ndjson: auditEventSchema })
  async tenantEvents(@ValidParams() params: z.output<typeof tenantParams>, @ValidQuery() query: ListQuery, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.answer({ tenantId: params.tenantId }, query, req, res);
  }

  @Get('audit-events')
  @Requires('platform.audit.read')
  @ApiRoute({ tag: AUDIT_TAG, summary: `List platform audit events (those of no tenant), newest first. ${EXPORT}`, query: listAuditEventsQuery, response: auditEventPageSchema, ndjson: auditEventSchema })
  async platformEvents(@ValidQuery() query: ListQuery, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.answer({ tenantId: null }, query, req, res);
  }

  private async answer(scope: AuditScope, query: ListQuery, req: Request, res: Response): Promise<void> {
    const filter = filterOf(query);
    if (wantsNdjson(req, res)) {
      refusePagingInExport(query);
      await sendNdjson(res, this.events.export(scope, filter));
      return;
    }
    res.json(await this.events.list(scope, filter, query.limit ?? 50, query.cursor));
  }
}

export function filterOf(query: Omit<Partial<ListQuery>, 'limit' | 'cursor'>): AuditEventFilter {
  return { action: query.action, actorId: query.actor_id, targetId: query.target_id, outcome: query.outcome, from: query.from, to: query.to };
}
