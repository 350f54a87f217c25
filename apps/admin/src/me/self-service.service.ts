import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { actorOf, type Principal } from '#access/principal.js';
import { AuditWriter } from '#audit/audit-writer.js';
import { PasswordHasher } from '#identity/password-hasher.js';
import { SessionService } from '#identity/session.service.js';
import type { User } from '#identity/user.entity.js';
import { applyProfile, type UserProfile } from '#identity/user.factory.js';
import { UserRepository } from '#identity/user.repository.js';
import type { AppConfig } from '#platform/config/app-config.js';
import { APP_CONFIG } from '#platform/config/config.tokens.js';
import { DomainError } from '#platform/errors/domain-error.js';
import { Clock } from '#platform/time/clock.js';
import { TenantRepository } from '#tenancy/tenant.repository.js';
import { presentTenant } from '../tenants/tenant.presenter.js';
import { presentUser } from '../users/user.presenter.js';

/** The caller's own account (SPEC §6.2 "Self"): profile and password. Users only, not service accounts. */
@Injectable()
export class SelfServiceService {
  constructor(
    private readonly em: EntityManager,
    private readonly users: UserRepository,
    private readonly tenants: TenantRepository,
    private readonly sessions: SessionService,
    private readonly hasher: PasswordHasher,
    private readonly clock: Clock,
    private readonly audit: AuditWriter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async get(principal: Principal) {
    const user = await this.self(principal);
    const tenant = await this.tenants.findById(principal.tenantId);
    if (!tenant) throw new DomainError('unauthenticated', 'unauthenticated', 'Authentication is required.');
    return { user: presentUser(user, principal.roles, this.clock.now()), tenant: presentTenant(tenant), roles: [...principal.roles] };
  }

  async updateProfile(principal: Principal, profile: UserProfile) {
    const user = await this.self(principal);
    await this.em.transactional(async () => {
      applyProfile(user, profile);
      user.updatedAt = this.clock.now();
      await this.em.flush();
      const fields = Object.keys(profile).filter((field) => profile[field as keyof UserProfile] !== undefined);
      await this.audit.record({ action: 'user.updated', tenantId: principal.tenantId, actor: actorOf(principal), target: { type: 'user', id: user.id }, metadata: { fields, self: true } });
    });
    return presentUser(user, principal.roles, this.clock.now());
  }

  /**
   * Changes the caller's password after checking the current one (a wrong one counts toward the
   * lockout, like a failed sign-in), and ends every other session of the caller.
   */
  async changePassword(principal: Principal, currentPassword: string, newPassword: string): Promise<void> {
    const user = await this.self(principal);
    const hash = user.credential?.hash;
    const valid = hash ? (await this.hasher.verify(hash, currentPassword)).valid : await this.hasher.verifyNothing(currentPassword);
    if (!valid) {
      if (hash) {
        const lockUntil = new Date(this.clock.now().getTime() + this.config.lockout.durationSeconds * 1000);
        await this.users.recordFailedSignIn(principal.tenantId, user.id, this.config.lockout.threshold, lockUntil);
      }
      throw new DomainError('invalid_input', 'current_password_incorrect', 'The current password is not correct.');
    }
    const newHash = await this.hasher.hash(newPassword);
    await this.em.transactional(async () => {
      this.users.setPassword(user, newHash);
      const ended = await this.sessions.endAllForUser(principal.tenantId, user.id, principal.session?.id);
      await this.audit.record({ action: 'user.password_changed', tenantId: principal.tenantId, actor: actorOf(principal), target: { type: 'user', id: user.id }, metadata: { other_sessions_ended: ended } });
    });
  }

  private async self(principal: Principal): Promise<User> {
    if (principal.kind !== 'user') throw new DomainError('forbidden', 'not_a_user', 'Service accounts have no profile.');
    const user = await this.users.findByIdWithCredential(principal.tenantId, principal.id);
    if (!user) throw new DomainError('unauthenticated', 'unauthenticated', 'Authentication is required.');
    return user;
  }
}
