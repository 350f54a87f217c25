import { Injectable } from '@nestjs/common';
import { AuditWriter } from '#audit/audit-writer.js';
import { Metrics } from '#platform/metrics/metrics.js';
import { uuidv7 } from '#platform/ids/uuidv7.js';
import { Clock } from '#platform/time/clock.js';
import { AuthorizationCodeRepository } from '../authorization/authorization-code.repository.js';
import { type OAuthParameters, required } from '../http/form-parameters.js';
import type { Issuer } from '../issuer/issuer.js';
import type { RegisteredClient } from '../issuer/issuer-client.repository.js';
import { OAuthError } from '../oauth-error.js';
import { IdTokenService } from './id-token.service.js';
import { hashOpaqueToken, isWellFormedOpaqueToken, newOpaqueToken } from './opaque-token.js';
import { isWellFormedCodeVerifier, s256 } from './pkce.js';
import { TokenRepository } from './token.repository.js';
import { reuseDetectedEvent } from './reuse-detected.js';
import type { TokenResponse } from './token-response.js';

/**
 * RFC 6749 §4.1.3 with RFC 7636: the code is redeemed at most once, by the client it was issued
 * to, with the same redirect URI and the PKCE verifier of its challenge. A second redemption
 * fails and revokes every token the code produced (SPEC §5.4).
 */
@Injectable()
export class AuthorizationCodeGrant {
  constructor(
    private readonly codes: AuthorizationCodeRepository,
    private readonly tokens: TokenRepository,
    private readonly idTokens: IdTokenService,
    private readonly audit: AuditWriter,
    private readonly metrics: Metrics,
    private readonly clock: Clock,
  ) {}

  /** Throws unless the client may use this grant. */
  permits(client: RegisteredClient): void {
    if (!client.grantTypes.includes('authorization_code')) throw new OAuthError('unauthorized_client', 'This client may not use the authorization code grant.');
  }

  /** Redeems the code, only if the client and tenant are still as judged (else ClientChangedError). */
  async exchange(issuer: Issuer, client: RegisteredClient, parameters: OAuthParameters): Promise<TokenResponse> {
    const code = required(parameters, 'code');
    const redirectUri = required(parameters, 'redirect_uri');
    const verifier = required(parameters, 'code_verifier');
    this.permits(client);
    if (!isWellFormedCodeVerifier(verifier)) throw new OAuthError('invalid_request', 'code_verifier must be 43 to 128 unreserved characters.');
    if (!isWellFormedOpaqueToken(code)) throw invalidCode();

    const idTokens = await this.idTokens.signerFor(issuer, client);
    const now = this.clock.now();
    const accessToken = newOpaqueToken();
    const refreshToken = newOpaqueToken();
    const codeHash = hashOpaqueToken(code);
    const redeemed = await this.codes.redeem({
      client,
      codeHash,
      redirectUri,
      codeChallenge: s256(verifier),
      now,
      accessToken: { id: uuidv7(now.getTime()), tokenHash: hashOpaqueToken(accessToken), expiresAt: new Date(now.getTime() + client.accessTokenTtlSeconds * 1000) },
      refreshToken: client.grantTypes.includes('refresh_token')
        ? {
            id: uuidv7(now.getTime()),
            tokenHash: hashOpaqueToken(refreshToken),
            expiresAt: new Date(now.getTime() + client.refreshTokenTtlSeconds * 1000),
            alwaysForThisClient: client.type === 'confidential',
          }
        : null,
      audit: this.audit.stamp({ grant_type: 'authorization_code' }),
    });
    if (!redeemed) {
      const replayed = await this.codes.findConsumed(issuer.tenant.id, client.id, codeHash);
      if (replayed) {
        const event = reuseDetectedEvent(issuer.tenant.id, client.id, { type: 'authorization_code', id: replayed.id });
        await this.tokens.revokeGrant(issuer.tenant.id, replayed.id, now, this.audit.values(event), 'always');
        throw new OAuthError('invalid_grant', 'The authorization code was already used; the tokens issued from it are revoked.');
      }
      throw invalidCode();
    }
    this.metrics.tokensIssued.inc({ grant_type: 'authorization_code' });
    const scopes = redeemed.scope.split(' ');
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: client.accessTokenTtlSeconds,
      scope: redeemed.scope,
      ...(redeemed.refreshTokenIssued ? { refresh_token: refreshToken } : {}),
      ...(scopes.includes('openid')
        ? { id_token: await idTokens.sign({ userId: redeemed.userId, authTime: redeemed.authTime, sessionId: redeemed.sessionId, nonce: redeemed.nonce }, accessToken) }
        : {}),
    };
  }
}

function invalidCode(): OAuthError {
  return new OAuthError('invalid_grant', 'The authorization code is invalid, expired, or was not issued to this client, redirect URI and code verifier.');
}
