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

/**
 * The token endpoint (RFC 6749 §3.2): authenticate the client, count the request against the
 * client's rate limit, then hand it to its grant. The limit is counted only once the client has
 * proved who it is, so nobody can use up another client's allowance with its public client_id.
 * A public client proves nothing but its id, so its allowance is counted per client address: a
 * stranger who knows a browser app's client_id spends only their own.
 */
@Injectable()
export class TokenEndpointService {
  constructor(
    private readonly clients: ClientAuthenticator,
    private readonly rateLimiter: RateLimiter,
    private readonly clientCredentials: ClientCredentialsGrant,
    private readonly authorizationCode: AuthorizationCodeGrant,
    private readonly refreshToken: RefreshTokenGrant,
  ) {}

  async issue(slug: string, authorization: string | undefined, parameters: OAuthParameters): Promise<TokenResponse> {
    const { issuer, client } = await this.clients.authenticate(slug, authorization, parameters, { allowPublic: true });
    await this.rateLimiter.hit('tokenPerClient', rateLimitSubject(client.id, client.tokenEndpointAuthMethod));
    const grantType = required(parameters, 'grant_type');
    switch (grantType) {
      case 'authorization_code':
        return this.authorizationCode.exchange(issuer, client, parameters);
      case 'refresh_token':
        return this.refreshToken.exchange(issuer, client, parameters);
      case 'client_credentials':
        return this.clientCredentials.exchange(issuer, client, parameters);
      default:
        throw new OAuthError('unsupported_grant_type', 'This grant type is not supported.');
    }
  }
}

function rateLimitSubject(clientId: string, method: string): string {
  return method === 'none' ? `${clientId}:${currentRequestMeta().ip ?? 'unknown'}` : clientId;
}
