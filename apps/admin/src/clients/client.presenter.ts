import type { z } from 'zod';
import type { RoleKey } from '#access/permission-catalogue.js';
import type { OAuthClient } from '#oauth/clients/oauth-client.entity.js';
import type { clientSchema } from './client.schemas.js';

export type ClientView = z.output<typeof clientSchema>;

/** The API view of an OAuth client: its registration and roles, never its secret or the secret's hash. */
export function presentClient(client: OAuthClient, roles: readonly RoleKey[]): ClientView {
  return {
    client_id: client.id,
    tenant_id: client.tenant.id,
    name: client.name,
    type: client.type,
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    redirect_uris: [...client.redirectUris],
    post_logout_redirect_uris: [...client.postLogoutRedirectUris],
    grant_types: [...client.grantTypes],
    scopes: [...client.scopes],
    first_party: client.firstParty,
    access_token_ttl: client.accessTokenTtlSeconds,
    refresh_token_ttl: client.refreshTokenTtlSeconds,
    id_token_signed_response_alg: client.idTokenSignedResponseAlg,
    status: client.status,
    roles: [...roles],
    secret_rotated_at: client.secretRotatedAt?.toISOString() ?? null,
    created_at: client.createdAt.toISOString(),
    updated_at: client.updatedAt.toISOString(),
  };
}
