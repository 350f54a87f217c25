import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { actorOf, type Principal } from '#access/principal.js';
import { type AuditEventFilter, AuditEventRepository } from '#audit/audit-event.repository.js';
import { AUDIT_QUERY_LIFETIME_MS, AuditQuery } from '#audit/audit-query.entity.js';
import { AuditQueryRepository } from '#audit/audit-query.repository.js';
import { AuditWriter } from '#audit/audit-writer.js';
import { decodeCursor, type Page, toPage } from '#platform/api/pagination.js';
import { DomainError } from '#platform/errors/domain-error.js';
import { Clock } from '#platform/time/clock.js';
import { TenantRepository } from '#tenancy/tenant.repository.js';
import { TenantNotFoundError } from '../tenants/tenant-administration.service.js';
import { type AuditEventView, presentAuditEvent } from './audit-event.presenter.js';

export class AuditQueryNotFoundError extends DomainError {
  constructor() {
    super('not_found', 'audit_query_not_found', 'No such audit query of yours.');
  }
}

export class AuditQueryExpiredError extends DomainError {
  constructor() {
    super('forbidden', 'audit_query_expired', 'This audit query has expired; declare a new one.');
  }
}

export interface AuditQueryDeclaration {
  readonly tenant_id: string;
  readonly reason: string;
  readonly from: Date;
  readonly to: Date;
}

export interface DeclaredAuditQuery {
  readonly id: string;
  readonly tenant_id: string;
  readonly from: string;
  readonly to: string;
  readonly expires_at: string;
}

/** The events of a declared query may be narrowed further, but never beyond its tenant and window. */
export type DeclaredQueryFilter = Omit<AuditEventFilter, 'from' | 'to'>;

/**
 * A platform administrator's only way into a tenant's audit events (SPEC §3, §7): a declaration
 * naming the tenant, a reason and a window of at most 31 days, usable by its creator for one
 * hour. The declaration and every read are recorded as events of the examined tenant, so its
 * owner sees who looked, why, and at what.
 */
@Injectable()
export class AuditQueryService {
  constructor(
    private readonly em: EntityManager,
    private readonly tenants: TenantRepository,
    private readonly queries: AuditQueryRepository,
    private readonly events: AuditEventRepository,
    private readonly audit: AuditWriter,
    private readonly clock: Clock,
  ) {}

  async declare(principal: Principal, input: AuditQueryDeclaration): Promise<DeclaredAuditQuery> {
    const declarer = requireUser(principal);
    return this.em.transactional(async () => {
      const tenant = await this.tenants.findById(input.tenant_id);
      if (!tenant) throw new TenantNotFoundError();
      const now = this.clock.now();
      const query = Object.assign(new AuditQuery(), {
        tenantId: tenant.id,
        declaredBy: declarer,
        reason: input.reason,
        windowFrom: input.from,
        windowTo: input.to,
        createdAt: now,
        expiresAt: new Date(now.getTime() + AUDIT_QUERY_LIFETIME_MS),
      });
      this.queries.add(query);
      await this.em.flush();
      await this.audit.record({
        action: 'audit.query_declared',
        tenantId: tenant.id,
        actor: actorOf(principal),
        target: { type: 'audit_query', id: query.id },
        metadata: { ...describe(query), expires_at: query.expiresAt.toISOString() },
      });
      return presentDeclaration(query);
    });
  }

  /** One page of the declared tenant's events in the declared window, newest first; the read is recorded first. */
  async read(principal: Principal, queryId: string, filter: DeclaredQueryFilter, limit: number, cursor: string | undefined): Promise<Page<AuditEventView>> {
    const query = await this.requireUsable(principal, queryId);
    const after = decodeCursor(cursor);
    await this.recordRead(principal, query, { format: 'page', ...filterMetadata(filter), ...(after ? { after } : {}) });
    const rows = await this.events.newestFirst({ tenantId: query.tenantId }, windowed(filter, query), { limit, after });
    return toPage(rows, limit, presentAuditEvent);
  }

  /** Every event of the declared window (oldest first, in batches); the read is recorded before the first one. */
  async export(principal: Principal, queryId: string, filter: DeclaredQueryFilter): Promise<AsyncIterable<readonly string[]>> {
    const query = await this.requireUsable(principal, queryId);
    await this.recordRead(principal, query, { format: 'ndjson', ...filterMetadata(filter) });
    return this.events.exportLines({ tenantId: query.tenantId }, windowed(filter, query));
  }

  /** Checks that the declaration may be used, without reading anything (a HEAD request): nothing is recorded. */
  async assertUsable(principal: Principal, queryId: string): Promise<void> {
    await this.requireUsable(principal, queryId);
  }

  /** Someone else's declaration is as unknown as a missing one; the creator learns that theirs expired. */
  private async requireUsable(principal: Principal, queryId: string): Promise<AuditQuery> {
    const query = await this.queries.findDeclaredBy(queryId, requireUser(principal));
    if (!query) throw new AuditQueryNotFoundError();
    if (query.expiresAt.getTime() <= this.clock.now().getTime()) throw new AuditQueryExpiredError();
    return query;
  }

  private recordRead(principal: Principal, query: AuditQuery, details: Record<string, unknown>): Promise<void> {
    return this.audit.record({
      action: 'audit.read',
      tenantId: query.tenantId,
      actor: actorOf(principal),
      target: { type: 'audit_query', id: query.id },
      metadata: { ...describe(query), ...details },
    });
  }
}

/** Declarations belong to people: a service account (which never holds platform roles anyway) cannot make one. */
function requireUser(principal: Principal): string {
  if (principal.kind !== 'user') throw new DomainError('forbidden', 'forbidden', 'Only a platform administrator’s own session may declare or use audit queries.');
  return principal.id;
}

function describe(query: AuditQuery): Record<string, unknown> {
  return { query_id: query.id, reason: query.reason, window: { from: query.windowFrom.toISOString(), to: query.windowTo.toISOString() } };
}

function presentDeclaration(query: AuditQuery): DeclaredAuditQuery {
  return { id: query.id, tenant_id: query.tenantId, from: query.windowFrom.toISOString(), to: query.windowTo.toISOString(), expires_at: query.expiresAt.toISOString() };
}

function windowed(filter: DeclaredQueryFilter, query: AuditQuery): AuditEventFilter {
  return { ...filter, from: query.windowFrom, to: query.windowTo };
}

function filterMetadata(filter: DeclaredQueryFilter): Record<string, unknown> {
  const used = Object.entries({ action: filter.action, actor_id: filter.actorId, target_id: filter.targetId, outcome: filter.outcome }).filter(([, value]) => value !== undefined);
  return used.length > 0 ? { filter: Object.fromEntries(used) } : {};
}
