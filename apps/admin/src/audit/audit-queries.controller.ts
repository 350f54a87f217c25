import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { z } from 'zod';
import { CurrentPrincipal } from '#access/current-principal.decorator.js';
import type { Principal } from '#access/principal.js';
import { Requires } from '#access/requires.decorator.js';
import { ApiRoute } from '#platform/api/api-route.decorator.js';
import { decodeCursor } from '#platform/api/pagination.js';
import { ValidBody, ValidParams, ValidQuery } from '#platform/api/validation.js';
import { auditEventPageSchema, auditEventSchema, auditQueryEventsQuery, auditQueryParams, declareAuditQueryBody, declaredAuditQuerySchema } from './audit.schemas.js';
import { AUDIT_TAG, filterOf } from './audit-events.controller.js';
import { AuditQueryService } from './audit-query.service.js';
import { NDJSON, refusePagingInExport, sendNdjson, wantsNdjson } from './ndjson.js';

/** A platform administrator's declared, time-boxed access to one tenant's audit events (SPEC §7). */
@Controller('api/v1/audit-queries')
export class AuditQueriesController {
  constructor(private readonly queries: AuditQueryService) {}

  @Post()
  @Requires('platform.audit.read')
  @ApiRoute({
    tag: AUDIT_TAG,
    summary: 'Declare a query of a tenant’s audit events (reason, window of at most 31 days); usable by its creator for one hour, and recorded in the tenant’s audit trail',
    body: declareAuditQueryBody,
    response: declaredAuditQuerySchema,
    status: 201,
    errors: { tenant_not_found: 'not_found' },
  })
  declare(@CurrentPrincipal() principal: Principal, @ValidBody() body: z.output<typeof declareAuditQueryBody>) {
    return this.queries.declare(principal, body);
  }

  @Get(':queryId/events')
  @Requires('platform.audit.read')
  @ApiRoute({
    tag: AUDIT_TAG,
    summary: 'Read the events of one’s own unexpired declared query, newest first (each read is recorded in the tenant’s audit trail). With Accept: application/x-ndjson, the whole window as NDJSON, oldest first.',
    params: auditQueryParams,
    query: auditQueryEventsQuery,
    response: auditEventPageSchema,
    ndjson: auditEventSchema,
    errors: { audit_query_not_found: 'not_found', audit_query_expired: 'forbidden' },
  })
  async events(
    @CurrentPrincipal() principal: Principal,
    @ValidParams() params: z.output<typeof auditQueryParams>,
    @ValidQuery() query: z.output<typeof auditQueryEventsQuery>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const filter = filterOf(query);
    if (req.method === 'HEAD') {
      // Headers only: the request is checked as a GET would be, but nothing is read, so no read is recorded.
      const ndjson = wantsNdjson(req, res);
      if (ndjson) refusePagingInExport(query);
      else decodeCursor(query.cursor);
      await this.queries.assertUsable(principal, params.queryId);
      res.status(200).type(ndjson ? NDJSON : 'application/json').setHeader('Cache-Control', 'no-store').end();
      return;
    }
    if (wantsNdjson(req, res)) {
      refusePagingInExport(query);
      await sendNdjson(res, await this.queries.export(principal, params.queryId, filter));
      return;
    }
    res.json(await this.queries.read(principal, params.queryId, filter, query.limit ?? 50, query.cursor));
  }
}
