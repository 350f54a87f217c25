import { Injectable } from '@nestjs/common';
import { type AuditEventFilter, AuditEventRepository, type AuditScope } from '#audit/audit-event.repository.js';
import { decodeCursor, type Page, toPage } from '#platform/api/pagination.js';
import { type AuditEventView, presentAuditEvent } from './audit-event.presenter.js';

/**
 * Reading audit events (SPEC §7): a tenant's, by its owner and admins (the guard has matched the
 * tenant to the caller), and the platform's own events (no tenant), by platform administrators.
 * Platform administrators read a tenant's events only through a declared query (AuditQueryService).
 */
@Injectable()
export class AuditEventsService {
  constructor(private readonly events: AuditEventRepository) {}

  /** One page, newest first. */
  async list(scope: AuditScope, filter: AuditEventFilter, limit: number, cursor: string | undefined): Promise<Page<AuditEventView>> {
    const rows = await this.events.newestFirst(scope, filter, { limit, after: decodeCursor(cursor) });
    return toPage(rows, limit, presentAuditEvent);
  }

  /** Every matching event as a line of JSON (the same view), oldest first, in batches read one at a time as the consumer asks. */
  export(scope: AuditScope, filter: AuditEventFilter): AsyncIterable<readonly string[]> {
    return this.events.exportLines(scope, filter);
  }
}
