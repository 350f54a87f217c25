import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { actorOf, holds, type Principal } from '#access/principal.js';
import { AuditWriter } from '#audit/audit-writer.js';
import { RoleAssignmentRepository } from '#access/role-assignment.repository.js';
import { SessionService } from '#identity/session.service.js';
import { UserRepository } from '#identity/user.repository.js';
import { decodeCursor, type Page, toPage } from '#platform/api/pagination.js';
import { DomainError } from '#platform/errors/domain-error.js';
import { Clock } from '#platform/time/clock.js';
import type { Tenant, TenantStatus } from '#tenancy/tenant.entity.js';
import { type NewTenant, TenantProvisioningService } from '#tenancy/tenant-provisioning.service.js';
import { type TenantFilter, TenantRepository } from '#tenancy/tenant.repository.js';
import { presentUser, type UserView } from '../users/user.presenter.js';
import { presentTenant, type TenantView } from './tenant.presenter.js';

export class TenantNotFoundError extends DomainError {
  constructor() {
    super('not_found', 'tenant_not_found', 'No such tenant.');
  }
}

/** The tenants resource (SPEC §6.2) and ownership transfer. */
@Injectable()
export class TenantAdministrationService {
  constructor(
    private readonly em: EntityManager,
    private readonly tenants: TenantRepository,
    private readonly provisioning: TenantProvisioningService,
    private readonly users: UserRepository,
    private readonly roles: RoleAssignmentRepository,
    private readonly sessions: SessionService,
    private readonly audit: AuditWriter,
    private readonly clock: Clock,
  ) {}

  async create(principal: Principal, input: NewTenant): Promise<{ tenant: TenantView; owner: UserView; owner_initial_password?: string }> {
    const { tenant, owner, initialPassword } = await this.provisioning.createTenant(input, { actor: actorOf(principal) });
    return {
      tenant: presentTenant(tenant),
      owner: presentUser(owner, ['tenant_owner'], this.clock.now()),
      ...(initialPassword ? { owner_initial_password: initialPassword } : {}),
    };
  }

  async list(filter: TenantFilter, limit: number, cursor: string | undefined): Promise<Page<TenantView>> {
    const rows = await this.tenants.list(filter, { limit, after: decodeCursor(cursor) });
    return toPage(rows, limit, presentTenant);
  }

  async get(tenantId: string): Promise<TenantView> {
    return presentTenant(await this.require(tenantId));
  }

  /** Platform admins may rename and suspend; the owner may rename (a tenant setting) but not change the status. */
  async update(principal: Principal, tenantId: string, patch: { name?: string | undefined; status?: TenantStatus | undefined }): Promise<TenantView> {
    const platform = holds(principal, 'platform.tenants.manage');
    if (patch.status !== undefined && !platform) throw new DomainError('forbidden', 'forbidden', 'Only platform administrators change a tenant’s status.');
    if (patch.name !== undefined && !platform && !holds(principal, 'tenant.settings.manage', tenantId)) throw new DomainError('forbidden', 'forbidden', 'You are not allowed to do this.');
    return this.em.transactional(async () => {
      const tenant = await this.require(tenantId);
      if (patch.status === 'suspended' && tenant.status !== 'suspended') {
        await this.refuseIfOperatorTenant(tenant);
        await this.sessions.endAllForTenant(tenant.id);
      }
      const event = { tenantId: tenant.id, actor: actorOf(principal), target: { type: 'tenant', id: tenant.id } };
      if (patch.name !== undefined && patch.name !== tenant.name) {
        await this.audit.record({ ...event, action: 'tenant.updated', metadata: { fields: ['name'], from: tenant.name, to: patch.name } });
        tenant.name = patch.name;
      }
      if (patch.status !== undefined && patch.status !== tenant.status) {
        await this.audit.record({ ...event, action: patch.status === 'suspended' ? 'tenant.suspended' : 'tenant.reactivated' });
        tenant.status = patch.status;
      }
      tenant.updatedAt = this.clock.now();
      await this.em.flush();
      return presentTenant(tenant);
    });
  }

  /** Soft delete: the tenant disappears from every lookup and all its sessions end. */
  async delete(principal: Principal, tenantId: string): Promise<void> {
    await this.em.transactional(async () => {
      const tenant = await this.require(tenantId);
      await this.refuseIfOperatorTenant(tenant);
      tenant.deletedAt = this.clock.now();
      const ended = await this.sessions.endAllForTenant(tenant.id);
      await this.audit.record({ action: 'tenant.deleted', tenantId: tenant.id, actor: actorOf(principal), target: { type: 'tenant', id: tenant.id }, metadata: { slug: tenant.slug, sessions_ended: ended } });
    });
  }

  /** The current owner hands ownership to another active user of the tenant, and becomes an admin. */
  async transferOwnership(principal: Principal, tenantId: string, newOwnerId: string): Promise<{ owner: UserView; previous_owner: UserView }> {
    return this.em.transactional(async () => {
      const currentOwnerId = await this.roles.ownerOf(tenantId);
      if (currentOwnerId !== principal.id) throw new DomainError('forbidden', 'forbidden', 'Only the tenant’s owner transfers ownership.');
      if (newOwnerId === currentOwnerId) throw new DomainError('conflict', 'already_owner', 'That user already owns the tenant.');
      const [next, previous] = await Promise.all([this.users.findByIdWithCredential(tenantId, newOwnerId), this.users.findByIdWithCredential(tenantId, currentOwnerId)]);
      if (!next) throw new DomainError('not_found', 'user_not_found', 'No such user in this tenant.');
      if (next.status !== 'active') throw new DomainError('conflict', 'user_disabled', 'Ownership can only go to an active user.');
      await this.roles.revoke('tenant_owner', currentOwnerId);
      await this.roles.assign('tenant_owner', { userId: next.id, tenantId });
      const previousRoles = await this.roles.rolesOfUser(currentOwnerId);
      if (!previousRoles.includes('tenant_admin')) await this.roles.assign('tenant_admin', { userId: currentOwnerId, tenantId });
      await this.audit.record({
        action: 'tenant.ownership_transferred',
        tenantId,
        actor: actorOf(principal),
        target: { type: 'user', id: next.id },
        metadata: { previous_owner_id: currentOwnerId },
      });
      const now = this.clock.now();
      return {
        owner: presentUser(next, await this.roles.rolesOfUser(next.id), now),
        previous_owner: presentUser(previous!, await this.roles.rolesOfUser(currentOwnerId), now),
      };
    });
  }

  private async require(tenantId: string): Promise<Tenant> {
    const tenant = await this.tenants.findById(tenantId);
    if (!tenant) throw new TenantNotFoundError();
    return tenant;
  }

  /** The tenant holding the platform administrators can be neither suspended nor deleted (no lock-out). */
  private async refuseIfOperatorTenant(tenant: Tenant): Promise<void> {
    if (await this.roles.tenantHasPlatformAdmins(tenant.id)) {
      throw new DomainError('conflict', 'tenant_has_platform_admins', 'This tenant holds platform administrators; it cannot be suspended or deleted.');
    }
  }
}
