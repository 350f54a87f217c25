import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { AuthenticationStrategy } from '#access/authentication-strategy.js';
import { isRoleKey, permissionsOf } from '#access/permission-catalogue.js';
import type { Principal } from '#access/principal.js';
import { hashOpaqueToken, isWellFormedOpaqueToken } from '#oauth/tokens/opaque-token.js';
import { ServiceAccountRepository } from '#oauth/tokens/service-account.repository.js';
import { Clock } from '#platform/time/clock.js';

/**
 * Service-to-service calls (SPEC §6.1): `Authorization: Bearer <access token>` from the
 * client_credentials grant. The client acts with exactly its tenant roles' permissions, in its
 * own tenant only. User tokens from the code flow are for the clients' own APIs, not this one.
 */
@Injectable()
export class BearerTokenStrategy implements AuthenticationStrategy {
  readonly name = 'bearer-token';

  constructor(
    private readonly accounts: ServiceAccountRepository,
    private readonly clock: Clock,
  ) {}

  async authenticate(req: Request): Promise<Principal | undefined> {
    const match = /^Bearer ([^\s]+)$/i.exec(req.get('authorization')?.trim() ?? '');
    if (!match || !isWellFormedOpaqueToken(match[1]!)) return undefined;
    const account = await this.accounts.byAccessToken(hashOpaqueToken(match[1]!), this.clock.now());
    if (!account) return undefined;
    const roles = account.roles.filter(isRoleKey).filter((role) => role === 'tenant_admin' || role === 'tenant_member');
    return {
      kind: 'client',
      id: account.clientId,
      tenantId: account.tenantId,
      tenantSlug: account.tenantSlug,
      roles,
      // Service accounts have no profile or password of their own, whatever their role grants users.
      permissions: new Set([...permissionsOf(roles)].filter((permission) => permission !== 'self.manage' && permission !== 'admin.login')),
      authenticatedBy: 'bearer',
    };
  }
}
