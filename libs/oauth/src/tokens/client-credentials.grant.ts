import { Injectable } from '@nestjs/common';
import { AuditWriter } from '#audit/audit-writer.js';
import { Metrics } from '#platform/metrics/metrics.js';
import { uuidv7 } from '#platform/ids/uuidv7.js';
import { Clock } from '#platform/time/clock.js';
import type { OAuthParameters } from '../http/form-parameters.js';
import type { Issuer } from '../issuer/issuer.js';
import type { RegisteredClient } from '../issuer/issuer-client.repository.js';
import { OAuthError } from '../oauth-error.js';
import { hashOpaqueToken, newOpaqueToken } from './opaque-token.js';
import { assertAllowed, formatScope, OIDC_SCOPES, parseScope } from './scope.js';
import { TokenRepository } from './token.repository.js';
import type { TokenResponse } from './token-response.js';

/**
 * RFC 6749 §4.4: a confidential client that allows the grant gets an access token for itself.
 * No ID token and no refresh token (SPEC §5.4). Scopes are the client's API scopes: OpenID
 * scopes describe a user and have no meaning here.
 */
@Injectable()
export class ClientCredentialsGrant {
  constructor(
    private readonly tokens: TokenRepository,
    private readonly audit: AuditWriter,
    private readonly metrics: Metrics,
    private readonly clock: Clock,
  ) {}

  /** Throws unless the client may use this grant for the requested scope. */
  permits(client: RegisteredClient, parameters: OAuthParameters): void {
    this.grantedScope(client, parameters);
  }

  /** The client's token: written only if the client and tenant are still as judged (else ClientChangedError). */
  async exchange(issuer: Issuer, client: RegisteredClient, parameters: OAuthParameters): Promise<TokenResponse> {
    const requested = this.grantedScope(client, parameters);

    const token = newOpaqueToken();
    const now = this.clock.now();
    const scope = formatScope(requested);
    await this.tokens.insertClientToken(
      {
        id: uuidv7(now.getTime()),
        tenantId: issuer.tenant.id,
        clientId: client.id,
        tokenHash: hashOpaqueToken(token),
        scope,
        createdAt: now,
        expiresAt: new Date(now.getTime() + client.accessTokenTtlSeconds * 1000),
      },
      client.versions,
      this.audit.stamp({ grant_type: 'client_credentials', scope }),
    );
    this.metrics.tokensIssued.inc({ grant_type: 'client_credentials' });
    return { access_token: token, token_type: 'Bearer', expires_in: client.accessTokenTtlSeconds, ...(requested.length > 0 ? { scope } : {}) };
  }

  private grantedScope(client: RegisteredClient, parameters: OAuthParameters): string[] {
    if (client.type !== 'confidential' || !client.grantTypes.includes('client_credentials')) {
      throw new OAuthError('unauthorized_client', 'This client may not use the client_credentials grant.');
    }
    const apiScopes = client.scopes.filter((scope) => !OIDC_SCOPES.has(scope));
    const requested = parameters.scope === undefined ? apiScopes : parseScope(parameters.scope);
    assertAllowed(requested, apiScopes);
    return requested;
  }
}
