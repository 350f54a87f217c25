import type { Tenant } from '#tenancy/tenant.entity.js';
import type { IdTokenSigningAlg } from './client-registration.js';
import { type ClientStatus, type ClientType, type GrantType, OAuthClient, type TokenEndpointAuthMethod } from './oauth-client.entity.js';

/** Everything about a client an administrator sets (its id, tenant, secret and timestamps aside). */
export interface ClientSettings {
  readonly name: string;
  readonly type: ClientType;
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
  readonly grantTypes: readonly GrantType[];
  readonly scopes: readonly string[];
  readonly firstParty: boolean;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly idTokenSignedResponseAlg: IdTokenSigningAlg;
  readonly status: ClientStatus;
}

export function settingsOf(client: OAuthClient): ClientSettings {
  return {
    name: client.name,
    type: client.type,
    tokenEndpointAuthMethod: client.tokenEndpointAuthMethod,
    redirectUris: client.redirectUris,
    postLogoutRedirectUris: client.postLogoutRedirectUris,
    grantTypes: client.grantTypes,
    scopes: client.scopes,
    firstParty: client.firstParty,
    accessTokenTtlSeconds: client.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: client.refreshTokenTtlSeconds,
    idTokenSignedResponseAlg: client.idTokenSignedResponseAlg,
    status: client.status,
  };
}

/** Copies the settings onto the client (lists are copied, so the caller's arrays are never shared). */
export function applySettings(client: OAuthClient, settings: ClientSettings): void {
  client.name = settings.name;
  client.type = settings.type;
  client.tokenEndpointAuthMethod = settings.tokenEndpointAuthMethod;
  client.redirectUris = [...settings.redirectUris];
  client.postLogoutRedirectUris = [...settings.postLogoutRedirectUris];
  client.grantTypes = [...settings.grantTypes];
  client.scopes = [...settings.scopes];
  client.firstParty = settings.firstParty;
  client.accessTokenTtlSeconds = settings.accessTokenTtlSeconds;
  client.refreshTokenTtlSeconds = settings.refreshTokenTtlSeconds;
  client.idTokenSignedResponseAlg = settings.idTokenSignedResponseAlg;
  client.status = settings.status;
}

/** A new client of the tenant; `secretHash` is required exactly for confidential clients (a database check agrees). */
export function newOAuthClient(tenant: Tenant, settings: ClientSettings, secretHash: string | null, now: Date): OAuthClient {
  const client = new OAuthClient();
  client.tenant = tenant;
  applySettings(client, settings);
  client.secretHash = secretHash;
  client.createdAt = now;
  client.updatedAt = now;
  return client;
}
