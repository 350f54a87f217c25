import { Injectable } from '@nestjs/common';
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
  ) {}

  /**
   * Verifies the password, refuses roles without admin-plane access (members: 403), ends the
   * session the browser presented (rotation) and starts a new one.
   */
  async login(input: { tenant: string; email: string; password: string }, client: ClientInfo, presentedToken: string | undefined): Promise<ConsoleLogin> {
    const { user, tenant } = await this.signIn.signIn(input.tenant, input.email, input.password);
    const principal = await this.principals.forUser(user, tenant);
    if (!principal.permissions.has('admin.login')) {
      await this.em.flush();
      throw new DomainError('forbidden', 'admin_login_forbidden', 'This account may not sign in to the admin console.');
    }
    if (presentedToken) await this.sessions.endByToken(presentedToken, 'admin');
    const { token } = await this.sessions.start(user, tenant, 'admin', client);
    await this.em.flush();
    return { token, view: { user: presentUser(user, principal.roles, this.clock.now()), tenant: presentTenant(tenant), roles: [...principal.roles], csrf_token: csrfTokenFor(token) } };
  }

  async logout(principal: Principal): Promise<void> {
    if (principal.session) await this.sessions.end(principal.session.id);
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
