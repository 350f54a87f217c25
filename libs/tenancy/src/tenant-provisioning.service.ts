import { AuditWriter, type AuditActor } from '#audit/audit-writer.js';
import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { RoleAssignmentRepository } from '#access/role-assignment.repository.js';
import { generateInitialPassword } from '#identity/initial-password.js';
import { PasswordHasher } from '#identity/password-hasher.js';
import type { User } from '#identity/user.entity.js';
import { newUser, type UserProfile } from '#identity/user.factory.js';
import { UserRepository } from '#identity/user.repository.js';
import { DomainError } from '#platform/errors/domain-error.js';
import { Clock } from '#platform/time/clock.js';
import { SigningKeyService } from '#oauth/keys/signing-key.service.js';
import { Tenant } from './tenant.entity.js';
import { TenantRepository } from './tenant.repository.js';

export interface NewTenant {
  readonly slug: string;
  readonly name: string;
  readonly owner: UserProfile & { readonly email: string; readonly password?: string | undefined };
}

export interface ProvisionedTenant {
  readonly tenant: Tenant;
  readonly owner: User;
  /** Present when no password was given: generated, shown once, stored only as a hash. */
  readonly initialPassword?: string;
}

export class SlugTakenError extends DomainError {
  constructor() {
    super('conflict', 'slug_taken', 'That slug is (or was) in use by another tenant; slugs are never reused.');
  }
}

/**
 * Creating tenants: the tenant, its owner (user, password, tenant_owner role), its signing keys
 * and, for the operator, a platform admin, all in one transaction. Password hashing and key
 * generation happen before the transaction opens, so no connection is held during them.
 */
@Injectable()
export class TenantProvisioningService {
  constructor(
    private readonly em: EntityManager,
    private readonly tenants: TenantRepository,
    private readonly users: UserRepository,
    private readonly roles: RoleAssignmentRepository,
    private readonly hasher: PasswordHasher,
    private readonly signingKeys: SigningKeyService,
    private readonly audit: AuditWriter,
    private readonly clock: Clock,
  ) {}

  async createTenant(input: NewTenant, options: { platformAdminOwner?: boolean; actor: AuditActor }): Promise<ProvisionedTenant> {
    const initialPassword = input.owner.password === undefined ? generateInitialPassword() : undefined;
    const [passwordHash, keyMaterial] = await Promise.all([this.hasher.hash(input.owner.password ?? initialPassword!), this.signingKeys.generateInitialKeys()]);
    const now = this.clock.now();
    return this.em.transactional(async () => {
      if (await this.tenants.slugExists(input.slug)) throw new SlugTakenError();
      const tenant = new Tenant();
      Object.assign(tenant, { slug: input.slug, name: input.name, createdAt: now, updatedAt: now });
      this.tenants.add(tenant);
      const owner = newUser(tenant, input.owner.email, input.owner, now);
      this.users.add(owner);
      this.users.setPassword(owner, passwordHash);
      this.signingKeys.addInitialKeys(tenant, keyMaterial);
      await this.em.flush();
      await this.roles.assign('tenant_owner', { userId: owner.id, tenantId: tenant.id });
      if (options.platformAdminOwner) await this.roles.assign('platform_admin', { userId: owner.id, tenantId: null });
      await this.audit.record({
        action: 'tenant.created',
        tenantId: tenant.id,
        actor: options.actor,
        target: { type: 'tenant', id: tenant.id },
        metadata: { slug: tenant.slug, owner_id: owner.id, kids: keyMaterial.map((key) => key.kid) },
      });
      return { tenant, owner, ...(initialPassword ? { initialPassword } : {}) };
    });
  }
}
