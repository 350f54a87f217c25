import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { AuthenticationStrategy } from '#access/authentication-strategy.js';
import type { Principal } from '#access/principal.js';
import { SessionService } from '#identity/session.service.js';
import type { AppConfig } from '#platform/config/app-config.js';
import { APP_CONFIG } from '#platform/config/config.tokens.js';
import { AdminCookie } from './admin-cookie.js';
import { PrincipalFactory } from './principal.factory.js';

/**
 * Console sessions: the admin cookie names a live admin-plane session whose user is active, in
 * an active tenant, and still allowed to sign in to the admin plane.
 */
@Injectable()
export class AdminSessionStrategy implements AuthenticationStrategy {
  readonly name = 'admin-session';
  private readonly cookie: AdminCookie;

  constructor(
    private readonly sessions: SessionService,
    private readonly principals: PrincipalFactory,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.cookie = new AdminCookie(config);
  }

  async authenticate(req: Request): Promise<Principal | undefined> {
    const token = this.cookie.read(req);
    if (!token) return undefined;
    const session = await this.sessions.resume(token, 'admin');
    if (!session) return undefined;
    const { user, tenant } = session;
    if (user.status !== 'active' || tenant.status !== 'active' || tenant.deletedAt) return undefined;
    const principal = await this.principals.forUser(user, tenant, { id: session.id, token });
    return principal.permissions.has('admin.login') ? principal : undefined;
  }
}
