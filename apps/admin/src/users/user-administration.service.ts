import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { AssignableTenantRole, RoleKey } from '#access/permission-catalogue.js';
import { actorOf, type Principal } from '#access/principal.js';
import { AuditWriter } from '#audit/audit-writer.js';
import { RoleAssignmentRepository } from '#access/role-assignment.repository.js';
import { PasswordHasher } from '#identity/password-hasher.js';
import { SessionService } from '#identity/session.service.js';
import type { User } from '#identity/user.entity.js';
import { applyProfile, newUser, type UserProfile } from '#identity/user.factory.js';
import { type UserFilter, UserRepository } from '#identity/user.repository.js';
import { decodeCursor, type Page, toPage } from '#platform/api/pagination.js';
import { DomainError } from '#platform/errors/domain-error.js';
import { Clock } from '#platform/time/clock.js';
import { TenantRepository } from '#tenancy/tenant.repository.js';
import { presentSession, presentUser, type SessionView, type UserView } from './user.presenter.js';

export class UserNotFoundError extends DomainError {
  constructor() {
    super('not_found', 'user_not_found', 'No such user in this tenant.');
  }
}

export interface NewUserInput extends UserProfile {
  readonly email: string;
  readonly password?: string | undefined;
  readonly email_verified?: boolean | undefined;
  readonly roles?: readonly AssignableTenantRole[] | undefined;
}

export interface UserPatch extends UserProfile {
  readonly email?: string | undefined;
  readonly email_verified?: boolean | undefined;
  readonly status?: 'active' | 'disabled' | undefined;
}

/**
 * The users resource of a tenant (SPEC §6.2), for its owner and admins. Admins manage every
 * user but the owner; the owner can be neither deleted nor disabled (ownership moves first).
 * Every lookup carries the tenant id of the path, which the guard has matched to the caller.
 */
@Injectable()
export class UserAdministrationService {
  constructor(
    private readonly em: EntityManager,
    private readonly tenants: TenantRepository,
    private readonly users: UserRepository,
    private readonly roles: RoleAssignmentRepository,
    private readonly sessions: SessionService,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditWriter,
    private readonly clock: Clock,
  ) {}

  async create(principal: Principal, tenantId: string, input: NewUserInput): Promise<UserView> {
    const passwordHash = input.password === undefined ? undefined : await this.hasher.hash(input.password);
    return this.em.transactional(async () => {
      const tenant = await this.tenants.findById(tenantId);
      if (!tenant) throw new UserNotFoundError();
      const user = newUser(tenant, input.email, input, this.clock.now());
      if (await this.users.emailTaken(tenantId, user.email)) throw emailTaken();
      this.users.add(user);
      if (passwordHash) this.users.setPassword(user, passwordHash);
      await this.em.flush();
      const roles: RoleKey[] = [...new Set<RoleKey>(input.roles ?? ['tenant_member'])];
      for (const role of roles) await this.roles.assign(role, { userId: user.id, tenantId });
      await this.audit.record({ action: 'user.created', tenantId, actor: actorOf(principal), target: { type: 'user', id: user.id }, metadata: { email: user.email, roles, has_password: Boolean(passwordHash) } });
      return presentUser(user, roles.sort(), this.clock.now());
    });
  }

  async list(tenantId: string, filter: UserFilter, limit: number, cursor: string | undefined): Promise<Page<UserView>> {
    const rows = await this.users.list(tenantId, filter, { limit, after: decodeCursor(cursor) });
    const page = rows.slice(0, limit);
    const ids = page.map((user) => user.id);
    const [roles, withPassword] = await Promise.all([this.roles.rolesOfUsers(tenantId, ids), this.users.withPassword(tenantId, ids)]);
    const now = this.clock.now();
    return toPage(rows, limit, (user) => presentUser(user, roles.get(user.id) ?? [], now, withPassword.has(user.id)));
  }

  async get(tenantId: string, userId: string): Promise<UserView> {
    const user = await this.require(tenantId, userId);
    return presentUser(user, await this.roles.rolesOfUser(user.id), this.clock.now());
  }

  async update(principal: Principal, tenantId: string, userId: string, patch: UserPatch): Promise<UserView> {
    return this.em.transactional(async () => {
      const user = await this.require(tenantId, userId);
      const roles = await this.guardOwner(principal, user);
      if (patch.status === 'disabled' && roles.includes('tenant_owner')) {
        throw new DomainError('conflict', 'owner_cannot_be_disabled', 'The owner cannot be disabled; transfer ownership first.');
      }
      const fields = Object.keys(patch).filter((field) => patch[field as keyof UserPatch] !== undefined);
      if (patch.email !== undefined && patch.email !== user.email) {
        if (await this.users.emailTaken(tenantId, patch.email)) throw emailTaken();
        user.email = patch.email;
      }
      if (patch.email_verified !== undefined) user.emailVerified = patch.email_verified;
      applyProfile(user, patch);
      if (patch.status !== undefined && patch.status !== user.status) {
        user.status = patch.status;
        if (patch.status === 'disabled') await this.sessions.endAllForUser(tenantId, user.id);
      }
      user.updatedAt = this.clock.now();
      await this.em.flush();
      await this.audit.record({ action: 'user.updated', tenantId, actor: actorOf(principal), target: { type: 'user', id: user.id }, metadata: { fields } });
      return presentUser(user, roles, this.clock.now());
    });
  }

  /** Deletes the identity itself (with its credential, roles and sessions); the owner cannot be deleted. */
  async delete(principal: Principal, tenantId: string, userId: string): Promise<void> {
    await this.em.transactional(async () => {
      const user = await this.require(tenantId, userId);
      const roles = await this.guardOwner(principal, user);
      if (roles.includes('tenant_owner')) throw new DomainError('conflict', 'owner_cannot_be_deleted', 'The owner cannot be deleted; transfer ownership first.');
      if (roles.includes('platform_admin')) throw new DomainError('conflict', 'platform_admin_cannot_be_deleted', 'A platform administrator cannot be deleted here.');
      await this.sessions.endAllForUser(tenantId, user.id);
      this.users.remove(user);
      await this.em.flush();
      await this.audit.record({ action: 'user.deleted', tenantId, actor: actorOf(principal), target: { type: 'user', id: user.id }, metadata: { email: user.email } });
    });
  }

  /** Sets a new password, clears any lockout and ends the user's sessions. */
  async setPassword(principal: Principal, tenantId: string, userId: string, password: string): Promise<void> {
    const hash = await this.hasher.hash(password);
    await this.em.transactional(async () => {
      const user = await this.require(tenantId, userId);
      await this.guardOwner(principal, user);
      this.users.setPassword(user, hash);
      user.failedLoginCount = 0;
      user.lockedUntil = null;
      const ended = await this.sessions.endAllForUser(tenantId, user.id);
      await this.em.flush();
      await this.audit.record({ action: 'user.password_set', tenantId, actor: actorOf(principal), target: { type: 'user', id: user.id }, metadata: { sessions_ended: ended } });
    });
  }

  async unlock(principal: Principal, tenantId: string, userId: string): Promise<UserView> {
    return this.em.transactional(async () => {
      const user = await this.require(tenantId, userId);
      const roles = await this.guardOwner(principal, user);
      user.failedLoginCount = 0;
      user.lockedUntil = null;
      await this.em.flush();
      await this.audit.record({ action: 'user.unlocked', tenantId, actor: actorOf(principal), target: { type: 'user', id: user.id } });
      return presentUser(user, roles, this.clock.now());
    });
  }

  /**
   * Replaces the user's tenant roles. tenant_owner cannot be granted or removed here (ownership
   * moves by transfer), but listing it for the current owner is accepted.
   */
  async setRoles(principal: Principal, tenantId: string, userId: string, wanted: readonly RoleKey[]): Promise<{ roles: RoleKey[] }> {
    return this.em.transactional(async () => {
      const user = await this.require(tenantId, userId);
      const current = await this.guardOwner(principal, user);
      const isOwner = current.includes('tenant_owner');
      if (wanted.includes('tenant_owner') && !isOwner) throw new DomainError('invalid_input', 'role_not_assignable', 'tenant_owner moves only by an ownership transfer.');
      if (isOwner && !wanted.includes('tenant_owner')) throw new DomainError('conflict', 'owner_role_required', 'The owner keeps tenant_owner until ownership is transferred.');
      const assignable = new Set<RoleKey>(['tenant_admin', 'tenant_member']);
      const event = { tenantId, actor: actorOf(principal), target: { type: 'user', id: user.id } };
      for (const role of current) {
        if (!assignable.has(role) || wanted.includes(role)) continue;
        await this.roles.revoke(role, user.id);
        await this.audit.record({ ...event, action: 'user.role_revoked', metadata: { role } });
      }
      for (const role of new Set(wanted)) {
        if (!assignable.has(role) || current.includes(role)) continue;
        await this.roles.assign(role, { userId: user.id, tenantId });
        await this.audit.record({ ...event, action: 'user.role_assigned', metadata: { role } });
      }
      return { roles: await this.roles.rolesOfUser(user.id) };
    });
  }

  async listSessions(tenantId: string, userId: string): Promise<{ items: SessionView[] }> {
    await this.require(tenantId, userId);
    return { items: (await this.sessions.listForUser(tenantId, userId)).map(presentSession) };
  }

  async endSessions(principal: Principal, tenantId: string, userId: string): Promise<void> {
    await this.em.transactional(async () => {
      const user = await this.require(tenantId, userId);
      await this.guardOwner(principal, user);
      const ended = await this.sessions.endAllForUser(tenantId, user.id);
      await this.audit.record({ action: 'session.ended', tenantId, actor: actorOf(principal), target: { type: 'user', id: user.id }, metadata: { sessions_ended: ended } });
    });
  }

  private async require(tenantId: string, userId: string): Promise<User> {
    const user = await this.users.findByIdWithCredential(tenantId, userId);
    if (!user) throw new UserNotFoundError();
    return user;
  }

  /** SPEC §3: an admin manages users "but never the owner". Returns the target's roles. */
  private async guardOwner(principal: Principal, target: User): Promise<RoleKey[]> {
    const roles = await this.roles.rolesOfUser(target.id);
    if (roles.includes('tenant_owner') && target.id !== principal.id && !principal.roles.includes('tenant_owner')) {
      throw new DomainError('forbidden', 'owner_protected', 'Only the owner can change the owner’s account.');
    }
    return roles;
  }
}

function emailTaken(): DomainError {
  return new DomainError('conflict', 'email_taken', 'Another user of this tenant has that email address.');
}
