import { Injectable } from '@nestjs/common';
import { AuditWriter } from '#audit/audit-writer.js';
import { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '#access/principal.js';
import { csrfTokenFor } from '#identity/session-token.js';
import { type ClientInfo, SessionService } from '#identity/session.service.js';
import { SignInService } from '#identity/sign-in.service.js';
import { UserRepository } from '#identity/user.repository.js';
import { DomainError } from '#platform/errors/domain-error.js';
import { Clock } from '#platform/time/clock.js';
import { TenantRepository } from '#tenancy/tenant.repository.js';
import { presentTenant } from '../tenants/tenant.presenter.js';
import { presentUser } from '../users/user.presenter.js';
import { PrincipalFactory } from './principal.factory.js';
import type { z } from 'zod';
import type { consoleSessionSchema } from './console-auth.schemas.js';

export type ConsoleSessionView = z.output<typeof consoleSessionSchema>;

export interface ConsoleLogin {
  readonly view: ConsoleSessionView;
  /** The new session's cookie value. */
  readonly token: string;
}

/** Console sign-in, sign-out and "who am I" (SPEC §6.1). */
@Injectable()
export class ConsoleAuthService {
  constructor(
    private readonly em: EntityManager,
    private readonly signIn: SignInService,
    private readonly sessions: SessionService,
    private readonly principals: PrincipalFactory,
    private readonly users: UserRepository,
    private readonly tenants: TenantRepository,
    private readonly clock: Clock,
    private readonly audit: AuditWriter,
  ) {}

  /**
   * Verifies the password, refuses roles without admin-plane access (members: 403), ends the
   * session the browser presented (rotation) and starts a new one.
   */
  async login(input: { tenant: string; email: string; password: string }, client: ClientInfo, presentedToken: string | undefined): Promise<ConsoleLogin> {
    const { user, tenant } = await this.signIn.signIn(input.tenant, input.email, input.password, 'admin');
    const principal = await this.principals.forUser(user, tenant);
    if (!principal.permissions.has('admin.login')) {
      await this.em.flush();
      await this.audit.recordIndependently({
        action: 'auth.login.failed',
        tenantId: tenant.id,
        actor: { type: 'user', id: user.id },
        target: { type: 'user', id: user.id },
        outcome: 'failure',
        metadata: { plane: 'admin', reason: 'no_admin_access', email: user.email },
      });
      throw new DomainError('forbidden', 'admin_login_forbidden', 'This account may not sign in to the admin console.');
    }
    await this.em.flush(); // the sign-in's own changes to the user (failure counter, lock), if any
    const event = this.audit.values({ action: 'auth.login.succeeded', tenantId: tenant.id, actor: { type: 'user', id: user.id }, target: { type: 'user', id: user.id }, metadata: { plane: 'admin' } });
    const { token } = await this.sessions.start(user, tenant, 'admin', client, presentedToken, event);
    return { token, view: { user: presentUser(user, principal.roles, this.clock.now()), tenant: presentTenant(tenant), roles: [...principal.roles], csrf_token: csrfTokenFor(token) } };
  }

  async logout(principal: Principal): Promise<void> {
    const session = principal.session;
    if (!session) return;
    await this.em.transactional(async () => {
      await this.sessions.end(session.id);
      await this.audit.record({ action: 'auth.logout', tenantId: principal.tenantId, actor: { type: 'user', id: principal.id }, target: { type: 'user', id: principal.id }, metadata: { plane: 'admin' } });
    });
  }

  async whoAmI(principal: Principal): Promise<ConsoleSessionView> {
    const [user, tenant] = await Promise.all([this.users.findByIdWithCredential(principal.tenantId, principal.id), this.tenants.findById(principal.tenantId)]);
    if (!user || !tenant) throw new DomainError('unauthenticated', 'unauthenticated', 'Authentication is required.');
    return {
      user: presentUser(user, principal.roles, this.clock.now()),
      tenant: presentTenant(tenant),
      roles: [...principal.roles],
      csrf_token: principal.session ? csrfTokenFor(principal.session.token) : '',
    };
  }
}
