import { OptionalProps } from '@mikro-orm/core';
import { Check, Entity, Index, ManyToOne, PrimaryKey, Property, Trigger } from '@mikro-orm/decorators/legacy';
import { clientChangeTrigger } from '#database/notifications/client-changes.js';
import { uuidv7 } from '#platform/ids/uuidv7.js';
import { Tenant } from '#tenancy/tenant.entity.js';

export type ClientType = 'confidential' | 'public';
export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';
export type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials';
export type ClientStatus = 'active' | 'disabled';

/** The list columns, which every path reads as arrays of strings, hold nothing else (Migration20261129001600). */
const CLIENT_LISTS_CHECK = ['redirect_uris', 'post_logout_redirect_uris', 'grant_types', 'scopes']
  .map((column) => `case when jsonb_typeof(${column}) = 'array' then not jsonb_path_exists(${column}, 'strict $[*] ? (@.type() != "string")') else false end`)
  .join(' and ');

/**
 * An OAuth client of one tenant. Its `id` is the `client_id`. A confidential client's secret is
 * 256 random bits shown once; only its SHA-256 is stored (a fast hash suffices for a random
 * secret of that length) and it is compared in constant time.
 */
@Entity({ tableName: 'oauth_clients' })
@Index({ name: 'oauth_clients_tenant_id_id_index', properties: ['tenant', 'id'] })
@Check({ name: 'oauth_clients_type_check', expression: `type in ('confidential', 'public')` })
@Check({ name: 'oauth_clients_status_check', expression: `status in ('active', 'disabled')` })
@Check({ name: 'oauth_clients_auth_method_check', expression: `token_endpoint_auth_method in ('client_secret_basic', 'client_secret_post', 'none')` })
@Check({ name: 'oauth_clients_secret_check', expression: `(type = 'confidential') = (secret_hash is not null)` })
@Check({ name: 'oauth_clients_lists_check', expression: CLIENT_LISTS_CHECK })
@Trigger(clientChangeTrigger('oauth_clients'))
export class OAuthClient {
  [OptionalProps]?: 'status' | 'firstParty' | 'createdAt' | 'updatedAt' | 'deletedAt' | 'secretHash' | 'secretRotatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => Tenant, { updateRule: 'no action', deleteRule: 'no action' })
  tenant!: Tenant;

  @Property({ type: 'string', length: 200 })
  name!: string;

  @Property({ type: 'string', length: 16 })
  type!: ClientType;

  @Property({ type: 'string', length: 32 })
  tokenEndpointAuthMethod!: TokenEndpointAuthMethod;

  /** Hex SHA-256 of the client secret (confidential clients only). */
  @Property({ type: 'string', length: 64, nullable: true })
  secretHash?: string | null;

  @Property({ type: 'datetime', nullable: true })
  secretRotatedAt?: Date | null;

  @Property({ type: 'json' })
  redirectUris!: string[];

  @Property({ type: 'json' })
  postLogoutRedirectUris!: string[];

  @Property({ type: 'json' })
  grantTypes!: GrantType[];

  /** Scopes the client may request. */
  @Property({ type: 'json' })
  scopes!: string[];

  /** First-party clients skip the consent page. */
  @Property({ type: 'boolean' })
  firstParty: boolean = false;

  @Property({ type: 'integer' })
  accessTokenTtlSeconds!: number;

  /** Lifetime of a refresh token family, from the original grant. */
  @Property({ type: 'integer' })
  refreshTokenTtlSeconds!: number;

  @Property({ type: 'string', length: 8 })
  idTokenSignedResponseAlg!: 'RS256' | 'ES256';

  @Property({ type: 'string', length: 16 })
  status: ClientStatus = 'active';

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Property({ type: 'datetime', nullable: true })
  deletedAt?: Date | null;
}
