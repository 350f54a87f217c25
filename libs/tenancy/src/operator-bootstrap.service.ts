import { AuditWriter } from '#audit/audit-writer.js';
import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { RoleAssignmentRepository } from '#access/role-assignment.repository.js';
import { generateInitialPassword } from '#identity/initial-password.js';
import { PasswordHasher } from '#identity/password-hasher.js';
import type { User } from '#identity/user.entity.js';
import { newUser } from '#identity/user.factory.js';
import { UserRepository } from '#identity/user.repository.js';
import { normalizeEmail } from '#identity/email.js';
import { DomainError } from '#platform/errors/domain-error.js';
import { Clock } from '#platform/time/clock.js';
import type { Tenant } from './tenant.entity.js';
import { TenantRepository } from './tenant.repository.js';
import { TenantProvisioningService } from './tenant-provisioning.service.js';

/** Serialises bootstraps across processes (two `opentrusty bootstrap` at once make one admin). */
const BOOTSTRAP_LOCK_KEY = 4_207_113_002;

export class AlreadyBootstrappedError extends DomainError {
  constructor() {
    super('conflict', 'already_bootstrapped', 'A platform administrator already exists; bootstrap creates only the first one.');
  }
}

export interface BootstrapResult {
  readonly tenant: Tenant;
  readonly admin: User;
  readonly createdTenant: boolean;
  /** Present when no password was given: generated, to be shown once. */
  readonly generatedPassword?: string;
}

/**
 * `opentrusty bootstrap` (SPEC §2): the operator's tenant and its first platform administrator,
 * who also owns that tenant. Refused once any platform administrator exists.
 */
@Injectable()
export class OperatorBootstrapService {
  constructor(
    private readonly em: EntityManager,
    private readonly tenants: TenantRepository,
    private readonly users: UserRepository,
    private readonly roles: RoleAssignmentRepository,
    private readonly provisioning: TenantProvisioningService,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditWriter,
    private readonly clock: Clock,
  ) {}

  async bootstrap(slug: string, email: string, password: string | undefined): Promise<BootstrapResult> {
    const generatedPassword = password === undefined ? generateInitialPassword() : undefined;
    const secret = password ?? generatedPassword!;
    return this.em.transactional(async () => {
      await this.em.execute('select pg_advisory_xact_lock(?)', [BOOTSTRAP_LOCK_KEY]);
      if (await this.roles.anyPlatformAdmin()) throw new AlreadyBootstrappedError();
      const existing = await this.tenants.findBySlug(slug);
      if (!existing) {
        const { tenant, owner } = await this.provisioning.createTenant({ slug, name: slug, owner: { email, password: secret } }, { platformAdminOwner: true, actor: { type: 'system' } });
        await this.recordBootstrap(tenant.id, owner.id, true);
        return { tenant, admin: owner, createdTenant: true, ...(generatedPassword ? { generatedPassword } : {}) };
      }
      // The tenant exists (its platform admins were removed): add the administrator to it.
      if (await this.users.emailTaken(existing.id, normalizeEmail(email))) {
        throw new DomainError('conflict', 'email_taken', 'That email already belongs to a user of this tenant.');
      }
      const admin = newUser(existing, email, {}, this.clock.now());
      this.users.add(admin);
      this.users.setPassword(admin, await this.hasher.hash(secret));
      await this.em.flush();
      await this.roles.assign('platform_admin', { userId: admin.id, tenantId: null });
      if (!(await this.roles.ownerOf(existing.id))) await this.roles.assign('tenant_owner', { userId: admin.id, tenantId: existing.id });
      await this.recordBootstrap(existing.id, admin.id, false);
      return { tenant: existing, admin, createdTenant: false, ...(generatedPassword ? { generatedPassword } : {}) };
    });
  }

  private recordBootstrap(tenantId: string, adminId: string, createdTenant: boolean): Promise<void> {
    return this.audit.record({
      action: 'platform.bootstrapped',
      tenantId: null,
      actor: { type: 'system' },
      target: { type: 'user', id: adminId },
      metadata: { tenant_id: tenantId, created_tenant: createdTenant },
    });
  }

  hasPlatformAdmin(): Promise<boolean> {
    return this.roles.anyPlatformAdmin();
  }
}
