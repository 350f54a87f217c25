import { Injectable } from '@nestjs/common';
import { Clock } from '#platform/time/clock.js';
import type { OAuthParameters } from '../http/form-parameters.js';
import { required } from '../http/form-parameters.js';
import type { Issuer } from '../issuer/issuer.js';
import type { JudgedClient } from '../issuer/client-versions.js';
import { hashOpaqueToken, isWellFormedOpaqueToken } from './opaque-token.js';
import { type TokenState, TokenRepository } from './token.repository.js';

export type IntrospectionResponse =
  | { readonly active: false }
  | {
      readonly active: true;
      readonly scope: string;
      readonly client_id: string;
      readonly sub: string;
      readonly exp: number;
      readonly iat: number;
      readonly iss: string;
      readonly token_type: 'Bearer' | 'refresh_token';
    };

/**
 * RFC 7662 for the authenticated client's own tenant only: anything unknown, expired, revoked,
 * rotated, belonging to a disabled client or user, or to another tenant is `{"active": false}`.
 * The hint only decides which kind is looked up first.
 */
@Injectable()
export class IntrospectionService {
  constructor(
    private readonly tokens: TokenRepository,
    private readonly clock: Clock,
  ) {}

  /** `client` asks; its judgement is confirmed by each lookup (ClientChangedError when it changed since). */
  async introspect(issuer: Issuer, client: JudgedClient, parameters: OAuthParameters): Promise<IntrospectionResponse> {
    const token = required(parameters, 'token');
    if (!isWellFormedOpaqueToken(token)) return { active: false };
    const hash = hashOpaqueToken(token);
    const now = this.clock.now();
    const kinds: TokenState['kind'][] = parameters.token_type_hint === 'refresh_token' ? ['refresh_token', 'access_token'] : ['access_token', 'refresh_token'];
    for (const kind of kinds) {
      const state = await this.tokens.tokenStateFor(client, kind, hash, now);
      if (state) return present(state, issuer.url);
    }
    return { active: false };
  }
}

function present(state: TokenState, issuer: string): IntrospectionResponse {
  if (!state.active) return { active: false };
  return {
    active: true,
    scope: state.scope,
    client_id: state.clientId,
    // A client_credentials token acts for the client itself.
    sub: state.userId ?? state.clientId,
    exp: Math.floor(state.expiresAt.getTime() / 1000),
    iat: Math.floor(state.createdAt.getTime() / 1000),
    iss: issuer,
    token_type: state.kind === 'access_token' ? 'Bearer' : 'refresh_token',
  };
}
