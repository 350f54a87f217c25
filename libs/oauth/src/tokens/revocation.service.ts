import { Injectable } from '@nestjs/common';
import { AuditWriter } from '#audit/audit-writer.js';
import { Clock } from '#platform/time/clock.js';
import { type OAuthParameters, required } from '../http/form-parameters.js';
import type { Issuer } from '../issuer/issuer.js';
import type { RegisteredClient } from '../issuer/issuer-client.repository.js';
import { hashOpaqueToken, isWellFormedOpaqueToken } from './opaque-token.js';
import { TokenRepository } from './token.repository.js';

/**
 * RFC 7009: revokes a token the requesting client holds. A refresh token takes its whole family
 * and the access tokens issued from it along (SPEC §5.5). Unknown tokens, other clients' tokens
 * and tokens of other tenants change nothing, and the answer is the same 200 either way.
 */
@Injectable()
export class RevocationService {
  constructor(
    private readonly tokens: TokenRepository,
    private readonly audit: AuditWriter,
    private readonly clock: Clock,
  ) {}

  async revoke(issuer: Issuer, client: RegisteredClient, parameters: OAuthParameters): Promise<void> {
    const token = required(parameters, 'token');
    if (!isWellFormedOpaqueToken(token)) return;
    const hash = hashOpaqueToken(token);
    const now = this.clock.now();
    const revokeRefresh = async () => {
      const family = await this.tokens.refreshFamilyOf(issuer.tenant.id, client.id, hash);
      if (family) {
        const event = { action: 'token.revoked', tenantId: issuer.tenant.id, actor: { type: 'client', id: client.id }, target: { type: 'refresh_token_family', id: family } } as const;
        await this.tokens.revokeGrant(issuer.tenant.id, family, now, this.audit.values({ ...event, metadata: { token_type: 'refresh_token' } }), 'when-revoked');
      }
      return family !== null;
    };
    const revokeAccess = () => this.tokens.revokeAccessToken(issuer.tenant.id, client.id, hash, now, this.audit.stamp({ token_type: 'access_token' }));
    const order = parameters.token_type_hint === 'access_token' ? [revokeAccess, revokeRefresh] : [revokeRefresh, revokeAccess];
    for (const attempt of order) if (await attempt()) return;
  }
}
