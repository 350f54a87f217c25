import { Injectable } from '@nestjs/common';
import { Sql } from '#database/sql.js';
import type { InteractionRow } from '../authorization/interaction.repository.js';
import type { AuthorizationRequest } from '../authorization/interaction.entity.js';
import type { ClientStatus, ClientType, GrantType, TokenEndpointAuthMethod } from '../clients/oauth-client.entity.js';
import type { ClientSettings } from '../clients/oauth-client.factory.js';
import type { ClientVersions } from './client-versions.js';

/** A client as the protocol endpoints need it (its settings, id and secret hash), read together with its issuer's tenant. */
export interface RegisteredClient extends ClientSettings {
  readonly id: string;
  readonly tenantId: string;
  readonly secretHash: string | null;
  /** The row versions this copy was read at; statements that act on it compare them. */
  readonly versions: ClientVersions;
}

export interface IssuerAndClient {
  readonly tenant: { readonly id: string; readonly slug: string; readonly name: string; readonly status: 'active' | 'suspended' };
  /** Null when the tenant has no live client with that id. */
  readonly client: RegisteredClient | null;
}

export interface IssuerAndInteraction extends IssuerAndClient {
  /** Null when the tenant has no live interaction with that handle; `client` is then null too. */
  readonly interaction: InteractionRow | null;
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
  client_version: string;
  tenant_version: string;
}

interface InteractionJoinRow extends Row {
  interaction_id: string | null;
  binding_hash: string;
  request: AuthorizationRequest;
  user_id: string | null;
  session_id: string | null;
}

const TENANT_AND_CLIENT_COLUMNS = `t.id as tenant_id, t.slug as tenant_slug, t.name as tenant_name, t.status as tenant_status,
              c.id, c.name, c.type, c.token_endpoint_auth_method, c.secret_hash, c.redirect_uris, c.post_logout_redirect_uris,
              c.grant_types, c.scopes, c.first_party, c.access_token_ttl_seconds, c.refresh_token_ttl_seconds,
              c.id_token_signed_response_alg, c.status, c.xmin::text as client_version, t.xmin::text as tenant_version`;

/**
 * Reads an issuer's tenant and one of its clients in a single round trip: the token,
 * introspection and revocation endpoints need both on every request.
 */
@Injectable()
export class IssuerClientRepository {
  constructor(private readonly sql: Sql) {}

  async find(slug: string, clientId: string | undefined): Promise<IssuerAndClient | null> {
    const [row] = await this.sql.rows<Row>(
      `select ${TENANT_AND_CLIENT_COLUMNS}
         from tenants t
         left join oauth_clients c on c.tenant_id = t.id and c.id = ? and c.deleted_at is null
        where t.slug = ? and t.deleted_at is null`,
      [clientId ?? null, slug],
    );
    return row ? { tenant: tenantOf(row), client: clientOf(row) } : null;
  }

  /**
   * The sign-in and consent pages: the issuer's tenant, the live interaction behind a handle and
   * the client that interaction is for, in one round trip. The interaction stores its client's
   * id in its request; a malformed one (never written by the authorize endpoint) matches nothing.
   */
  async findWithInteraction(slug: string, handleHash: string, now: Date): Promise<IssuerAndInteraction | null> {
    const [row] = await this.sql.rows<InteractionJoinRow>(
      `select ${TENANT_AND_CLIENT_COLUMNS},
              i.id as interaction_id, i.binding_hash, i.request, i.user_id, i.session_id
         from tenants t
         left join oauth_interactions i on i.tenant_id = t.id and i.handle_hash = ? and i.expires_at > ?
         left join oauth_clients c on c.tenant_id = t.id and c.deleted_at is null
               and c.id = case when i.request->>'clientId' ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' then (i.request->>'clientId')::uuid end
        where t.slug = ? and t.deleted_at is null`,
      [handleHash, now, slug],
    );
    if (!row) return null;
    const interaction: InteractionRow | null = row.interaction_id
      ? { id: row.interaction_id, tenantId: row.tenant_id, bindingHash: row.binding_hash, request: row.request, userId: row.user_id, sessionId: row.session_id }
      : null;
    return { tenant: tenantOf(row), client: clientOf(row), interaction };
  }
}

function tenantOf(row: Row): IssuerAndClient['tenant'] {
  return { id: row.tenant_id, slug: row.tenant_slug, name: row.tenant_name, status: row.tenant_status };
}

function clientOf(row: Row): RegisteredClient | null {
  if (!row.id) return null;
  return {
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
    versions: { client: row.client_version, tenant: row.tenant_version },
  };
}
