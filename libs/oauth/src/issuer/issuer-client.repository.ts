import { Injectable } from '@nestjs/common';
import { Sql } from '#database/sql.js';
import type { ClientStatus, ClientType, GrantType, TokenEndpointAuthMethod } from '../clients/oauth-client.entity.js';

/** A client as the protocol endpoints need it, read together with its issuer's tenant. */
export interface RegisteredClient {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly type: ClientType;
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  readonly secretHash: string | null;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
  readonly grantTypes: readonly GrantType[];
  readonly scopes: readonly string[];
  readonly firstParty: boolean;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly idTokenSignedResponseAlg: 'RS256' | 'ES256';
  readonly status: ClientStatus;
}

export interface IssuerAndClient {
  readonly tenant: { readonly id: string; readonly slug: string; readonly name: string; readonly status: 'active' | 'suspended' };
  /** Null when the tenant has no live client with that id. */
  readonly client: RegisteredClient | null;
}

interface Row {
  tenant_id: string;
  tenant_slug: string;
  tenant_name: string;
  tenant_status: 'active' | 'suspended';
  id: string | null;
  name: string;
  type: ClientType;
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  secret_hash: string | null;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  grant_types: GrantType[];
  scopes: string[];
  first_party: boolean;
  access_token_ttl_seconds: number;
  refresh_token_ttl_seconds: number;
  id_token_signed_response_alg: 'RS256' | 'ES256';
  status: ClientStatus;
}

/**
 * Reads an issuer's tenant and one of its clients in a single round trip: the token,
 * introspection and revocation endpoints need both on every request.
 */
@Injectable()
export class IssuerClientRepository {
  constructor(private readonly sql: Sql) {}

  async find(slug: string, clientId: string | undefined): Promise<IssuerAndClient | null> {
    const [row] = await this.sql.rows<Row>(
      `select t.id as tenant_id, t.slug as tenant_slug, t.name as tenant_name, t.status as tenant_status,
              c.id, c.name, c.type, c.token_endpoint_auth_method, c.secret_hash, c.redirect_uris, c.post_logout_redirect_uris,
              c.grant_types, c.scopes, c.first_party, c.access_token_ttl_seconds, c.refresh_token_ttl_seconds,
              c.id_token_signed_response_alg, c.status
         from tenants t
         left join oauth_clients c on c.tenant_id = t.id and c.id = ? and c.deleted_at is null
        where t.slug = ? and t.deleted_at is null`,
      [clientId ?? null, slug],
    );
    if (!row) return null;
    return {
      tenant: { id: row.tenant_id, slug: row.tenant_slug, name: row.tenant_name, status: row.tenant_status },
      client: row.id
        ? {
            id: row.id,
            tenantId: row.tenant_id,
            name: row.name,
            type: row.type,
            tokenEndpointAuthMethod: row.token_endpoint_auth_method,
            secretHash: row.secret_hash,
            redirectUris: row.redirect_uris,
            postLogoutRedirectUris: row.post_logout_redirect_uris,
            grantTypes: row.grant_types,
            scopes: row.scopes,
            firstParty: row.first_party,
            accessTokenTtlSeconds: row.access_token_ttl_seconds,
            refreshTokenTtlSeconds: row.refresh_token_ttl_seconds,
            idTokenSignedResponseAlg: row.id_token_signed_response_alg,
            status: row.status,
          }
        : null,
    };
  }
}
