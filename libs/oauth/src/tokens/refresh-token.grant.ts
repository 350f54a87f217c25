import { Injectable } from '@nestjs/common';
import { AuditWriter } from '#audit/audit-writer.js';
import { Metrics } from '#platform/metrics/metrics.js';
import { uuidv7 } from '#platform/ids/uuidv7.js';
import { Clock } from '#platform/time/clock.js';
import { type OAuthParameters, required } from '../http/form-parameters.js';
import type { Issuer } from '../issuer/issuer.js';
import type { RegisteredClient } from '../issuer/issuer-client.repository.js';
import { OAuthError } from '../oauth-error.js';
import { IdTokenService } from './id-token.service.js';
import { hashOpaqueToken, isWellFormedOpaqueToken, newOpaqueToken } from './opaque-token.js';
import { formatScope, parseScope } from './scope.js';
import { TokenRepository } from './token.repository.js';
import { reuseDetectedEvent } from './reuse-detected.js';
import type { TokenResponse } from './token-response.js';

/**
 * RFC 6749 §6 with rotation on every use (SPEC §5.4): the presented token is spent and a new one
 * of the same family is returned. Presenting a spent token again revokes the whole family
 * (reuse detection). An optional `scope` narrows the new access token only.
 */
@Injectable()
export class RefreshTokenGrant {
  constructor(
    private readonly tokens: TokenRepository,
    private readonly idTokens: IdTokenService,
    private readonly audit: AuditWriter,
    private readonly metrics: Metrics,
    private readonly clock: Clock,
  ) {}

  /** Throws unless the client may use this grant. */
  permits(client: RegisteredClient): void {
    if (!client.grantTypes.includes('refresh_token')) throw new OAuthError('unauthorized_client', 'This client may not use refresh tokens.');
  }

  /** Rotates the token, only if the client and tenant are still as judged (else ClientChangedError). */
  async exchange(issuer: Issuer, client: RegisteredClient, parameters: OAuthParameters): Promise<TokenResponse> {
    const presented = required(parameters, 'refresh_token');
    this.permits(client);
    const narrowed = parameters.scope === undefined ? null : formatScope(parseScope(parameters.scope));
    if (narrowed === '') throw new OAuthError('invalid_scope', 'The scope is empty.');
    if (!isWellFormedOpaqueToken(presented)) throw invalidRefreshToken();

    const idTokens = await this.idTokens.signerFor(issuer, client);
    const now = this.clock.now();
    const accessToken = newOpaqueToken();
    const refreshToken = newOpaqueToken();
    const tokenHash = hashOpaqueToken(presented);
    const rotated = await this.tokens.rotateRefreshToken({
      client,
      tokenHash,
      scope: narrowed,
      refreshId: uuidv7(now.getTime()),
      refreshHash: hashOpaqueToken(refreshToken),
      accessId: uuidv7(now.getTime()),
      accessHash: hashOpaqueToken(accessToken),
      accessExpiresAt: new Date(now.getTime() + client.accessTokenTtlSeconds * 1000),
      now,
      audit: this.audit.stamp({ grant_type: 'refresh_token' }),
    });
    if (!rotated) return this.explainFailure(issuer, client, tokenHash, narrowed, now);
    this.metrics.tokensIssued.inc({ grant_type: 'refresh_token' });

    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: client.accessTokenTtlSeconds,
      scope: rotated.accessScope,
      refresh_token: refreshToken,
      ...(rotated.accessScope.split(' ').includes('openid')
        ? { id_token: await idTokens.sign({ userId: rotated.userId, authTime: rotated.authTime, sessionId: rotated.sessionId, nonce: null }, accessToken) }
        : {}),
    };
  }

  private async explainFailure(issuer: Issuer, client: RegisteredClient, tokenHash: string, narrowed: string | null, now: Date): Promise<never> {
    const known = await this.tokens.refreshTokenOfClient(issuer.tenant.id, client.id, tokenHash);
    if (known?.rotated && !known.revoked) {
      const event = reuseDetectedEvent(issuer.tenant.id, client.id, { type: 'refresh_token_family', id: known.familyId });
      await this.tokens.revokeGrant(issuer.tenant.id, known.familyId, now, this.audit.values(event), 'always');
      throw new OAuthError('invalid_grant', 'The refresh token was already used; its whole family is revoked.');
    }
    if (known && !known.revoked && !known.rotated && narrowed !== null && !narrowed.split(' ').every((scope) => known.scope.split(' ').includes(scope))) {
      throw new OAuthError('invalid_scope', 'The requested scope exceeds the scope of the refresh token.');
    }
    throw invalidRefreshToken();
  }
}

function invalidRefreshToken(): OAuthError {
  return new OAuthError('invalid_grant', 'The refresh token is invalid, expired, revoked, or was not issued to this client.');
}
