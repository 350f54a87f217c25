import { Injectable } from '@nestjs/common';
import { RateLimiter } from '#database/rate-limit/rate-limiter.js';
import { currentRequestMeta } from '#platform/context/request-meta.js';
import { ClientAuthenticator } from '../clients/client-authenticator.js';
import { required, type OAuthParameters } from '../http/form-parameters.js';
import { OAuthError } from '../oauth-error.js';
import { AuthorizationCodeGrant } from './authorization-code.grant.js';
import { ClientCredentialsGrant } from './client-credentials.grant.js';
import { RefreshTokenGrant } from './refresh-token.grant.js';
import type { TokenResponse } from './token-response.js';
import type { Issuer } from '../issuer/issuer.js';
import type { RegisteredClient } from '../issuer/issuer-client.repository.js';

/** A grant of the token endpoint: what it requires of the client, and the exchange itself. */
interface Grant {
  permits(client: RegisteredClient, parameters: OAuthParameters): void;
  /** Acts only if the client and tenant are still as judged; else ClientChangedError. */
  exchange(issuer: Issuer, client: RegisteredClient, parameters: OAuthParameters): Promise<TokenResponse>;
}

/**
 * The token endpoint (RFC 6749 §3.2): authenticate the client, count the request against the
 * client's rate limit, then hand it to its grant. The limit is counted only once the client has
 * proved who it is, so nobody can use up another client's allowance with its public client_id.
 * A public client proves nothing but its id, so its allowance is counted per client address: a
 * stranger who knows a browser app's client_id spends only their own. The client may be judged
 * on the copy kept in memory; the grant's statement confirms it (ClientAuthenticator.withClient).
 */
@Injectable()
export class TokenEndpointService {
  private readonly grants: Readonly<Record<string, Grant>>;

  constructor(
    private readonly clients: ClientAuthenticator,
    private readonly rateLimiter: RateLimiter,
    clientCredentials: ClientCredentialsGrant,
    authorizationCode: AuthorizationCodeGrant,
    refreshToken: RefreshTokenGrant,
  ) {
    this.grants = { authorization_code: authorizationCode, refresh_token: refreshToken, client_credentials: clientCredentials };
  }

  async issue(slug: string, authorization: string | undefined, parameters: OAuthParameters): Promise<TokenResponse> {
    const grantType = parameters.grant_type;
    const grant = grantType !== undefined && Object.hasOwn(this.grants, grantType) ? this.grants[grantType] : undefined;
    const permits = grant && ((client: RegisteredClient) => grant.permits(client, parameters));
    // Counted once per request, also when the client is judged again (ClientChangedError).
    let counted = false;
    return this.clients.withClient(slug, authorization, parameters, { allowPublic: true, permits }, async ({ issuer, client }) => {
      if (!counted) {
        await this.rateLimiter.hit('tokenPerClient', rateLimitSubject(client.id, client.tokenEndpointAuthMethod));
        counted = true;
      }
      required(parameters, 'grant_type');
      if (!grant) throw new OAuthError('unsupported_grant_type', 'This grant type is not supported.');
      return grant.exchange(issuer, client, parameters);
    });
  }
}

function rateLimitSubject(clientId: string, method: string): string {
  return method === 'none' ? `${clientId}:${currentRequestMeta().ip ?? 'unknown'}` : clientId;
}
