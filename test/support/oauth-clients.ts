import { hashClientSecret, newClientSecret } from '#oauth/clients/client-secret.js';
import type { GrantType, TokenEndpointAuthMethod } from '#oauth/clients/oauth-client.entity.js';
import { uuidv7 } from '#platform/ids/uuidv7.js';
import type { TestPlanes } from './test-planes.js';

export interface SeededClient {
  readonly clientId: string;
  /** Undefined for public clients. */
  readonly clientSecret?: string;
  readonly tenantId: string;
}

export interface ClientOptions {
  readonly type?: 'confidential' | 'public';
  readonly authMethod?: TokenEndpointAuthMethod;
  readonly grantTypes?: readonly GrantType[];
  readonly scopes?: readonly string[];
  readonly redirectUris?: readonly string[];
  readonly postLogoutRedirectUris?: readonly string[];
  readonly firstParty?: boolean;
  readonly accessTokenTtlSeconds?: number;
  readonly refreshTokenTtlSeconds?: number;
  readonly idTokenAlg?: 'RS256' | 'ES256';
}

/** A client row written directly (the admin API for clients has tests of its own). */
export async function seedClient(planes: TestPlanes, tenantId: string, options: ClientOptions = {}): Promise<SeededClient> {
  const type = options.type ?? 'confidential';
  const secret = type === 'confidential' ? newClientSecret() : undefined;
  const clientId = uuidv7();
  const now = new Date();
  await planes.orm.em.fork().execute(
    `insert into oauth_clients (id, tenant_id, name, type, token_endpoint_auth_method, secret_hash, redirect_uris, post_logout_redirect_uris,
       grant_types, scopes, first_party, access_token_ttl_seconds, refresh_token_ttl_seconds, id_token_signed_response_alg, status, created_at, updated_at)
     values (?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb, ?, ?, ?, ?, 'active', ?, ?)`,
    [
      clientId,
      tenantId,
      `Client ${clientId.slice(-6)}`,
      type,
      options.authMethod ?? (type === 'confidential' ? 'client_secret_basic' : 'none'),
      secret ? hashClientSecret(secret) : null,
      JSON.stringify(options.redirectUris ?? ['http://127.0.0.1:9999/callback']),
      JSON.stringify(options.postLogoutRedirectUris ?? []),
      JSON.stringify(options.grantTypes ?? (type === 'confidential' ? ['authorization_code', 'refresh_token', 'client_credentials'] : ['authorization_code', 'refresh_token'])),
      JSON.stringify(options.scopes ?? ['openid', 'profile', 'email', 'offline_access', 'api:read', 'api:write']),
      options.firstParty ?? false,
      options.accessTokenTtlSeconds ?? 3600,
      options.refreshTokenTtlSeconds ?? 2_592_000,
      options.idTokenAlg ?? 'RS256',
      now,
      now,
    ],
  );
  return { clientId, tenantId, ...(secret ? { clientSecret: secret } : {}) };
}
