import { Injectable } from '@nestjs/common';
import { UserRepository } from '#identity/user.repository.js';
import type { User } from '#identity/user.entity.js';
import { Clock } from '#platform/time/clock.js';
import { IssuerResolver } from '../issuer/issuer.resolver.js';
import { OAuthError } from '../oauth-error.js';
import { hashOpaqueToken, isWellFormedOpaqueToken } from './opaque-token.js';
import { TokenRepository } from './token.repository.js';

/** RFC 6750 §3: how a protected resource says the token is missing or bad. */
function invalidToken(description: string): OAuthError {
  return new OAuthError('invalid_token', description, {
    'WWW-Authenticate': `Bearer realm="opentrusty", error="invalid_token", error_description="${description.replace(/["\\]/g, '')}"`,
  });
}

/**
 * OIDC Core §5.3 UserInfo (SPEC §5.5): `sub` plus the claims of the granted scopes, for an
 * active access token of this issuer that was granted `openid` for a user.
 */
@Injectable()
export class UserInfoService {
  constructor(
    private readonly issuers: IssuerResolver,
    private readonly tokens: TokenRepository,
    private readonly users: UserRepository,
    private readonly clock: Clock,
  ) {}

  async claims(slug: string, accessToken: string | undefined): Promise<Record<string, unknown>> {
    const issuer = await this.issuers.resolve(slug);
    if (accessToken === undefined) {
      throw new OAuthError('invalid_token', 'An access token is required.', { 'WWW-Authenticate': 'Bearer realm="opentrusty"' });
    }
    if (!isWellFormedOpaqueToken(accessToken)) throw invalidToken('The access token is invalid.');
    const state = await this.tokens.accessTokenState(issuer.tenant.id, hashOpaqueToken(accessToken), this.clock.now());
    if (!state || !state.active) throw invalidToken('The access token is invalid, expired or revoked.');
    const scopes = new Set(state.scope.split(' '));
    // A valid token that acts for no user (client_credentials) or lacks openid is valid but not
    // enough here: RFC 6750 §3.1 insufficient_scope (403), not invalid_token.
    if (!state.userId || !scopes.has('openid')) {
      throw new OAuthError('insufficient_scope', 'The access token was not granted the openid scope for a user.', {
        'WWW-Authenticate': 'Bearer realm="opentrusty", error="insufficient_scope", scope="openid"',
      });
    }
    const user = await this.users.findById(issuer.tenant.id, state.userId);
    if (!user) throw invalidToken('The access token is invalid, expired or revoked.');
    return { sub: user.id, ...(scopes.has('profile') ? profileClaims(user) : {}), ...(scopes.has('email') ? { email: user.email, email_verified: user.emailVerified } : {}) };
  }
}

function profileClaims(user: User): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    name: user.name,
    given_name: user.givenName,
    family_name: user.familyName,
    nickname: user.nickname,
    picture: user.picture,
    locale: user.locale,
    zoneinfo: user.zoneinfo,
  };
  // Absent claims are omitted rather than sent as null (OIDC Core §5.3.2).
  for (const [name, value] of Object.entries(claims)) if (value === null || value === undefined) delete claims[name];
  return { ...claims, updated_at: Math.floor(user.updatedAt.getTime() / 1000) };
}
