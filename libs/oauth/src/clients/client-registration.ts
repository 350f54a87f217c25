import type { ClientType, GrantType, TokenEndpointAuthMethod } from './oauth-client.entity.js';
import { redirectUriProblem } from './redirect-uri.js';

/**
 * What an administrator registers for an OAuth client (SPEC §5.1, §5.4, §6.2), its limits and
 * defaults, and the rules that tie its fields together. The admin API checks each field on its
 * own; `registrationProblems` checks the client as a whole, after a creation or a change.
 */

export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const satisfies readonly GrantType[];
export const TOKEN_ENDPOINT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const satisfies readonly TokenEndpointAuthMethod[];
export const CLIENT_TYPES = ['confidential', 'public'] as const satisfies readonly ClientType[];
export const ID_TOKEN_SIGNING_ALGS = ['RS256', 'ES256'] as const;
export type IdTokenSigningAlg = (typeof ID_TOKEN_SIGNING_ALGS)[number];

/** The OpenID Connect scopes; any other scope token is an API scope the client defines. */
export const STANDARD_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
export const SCOPE_TOKEN_PATTERN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export const CLIENT_LIMITS = {
  nameLength: 200,
  uris: 20,
  uriLength: 2000,
  scopes: 50,
  scopeLength: 128,
  accessTokenTtlSeconds: { min: 60, max: 86_400 },
  refreshTokenTtlSeconds: { min: 300, max: 31_536_000 },
} as const;

export const CLIENT_DEFAULTS = {
  accessTokenTtlSeconds: 3_600,
  /** 30 days: the lifetime of a refresh-token family. */
  refreshTokenTtlSeconds: 2_592_000,
  idTokenSignedResponseAlg: 'RS256',
} as const satisfies Record<string, number | IdTokenSigningAlg>;

/** A public client has no secret; a confidential one sends its secret in the Authorization header unless told otherwise. */
export function defaultAuthMethod(type: ClientType): TokenEndpointAuthMethod {
  return type === 'public' ? 'none' : 'client_secret_basic';
}

/**
 * Why a URI cannot be registered as a redirect or post-logout redirect URI, or undefined. On top
 * of SPEC §5.1 (`redirectUriProblem`), a `*` is refused anywhere: matching is exact, so a
 * wildcard could only be a mistake, and refusing it keeps registrations unambiguous.
 */
export function registeredUriProblem(uri: string): string | undefined {
  if (uri.includes('*')) return 'must not contain wildcards (*)';
  return redirectUriProblem(uri);
}

/** The fields whose combination the rules below constrain. */
export interface ClientRegistration {
  readonly type: ClientType;
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  readonly redirectUris: readonly string[];
  readonly grantTypes: readonly GrantType[];
  /** Tenant roles held as a service account (SPEC §6.1). */
  readonly roles: readonly string[];
}

export interface RegistrationProblem {
  /** The API field the problem is about. */
  readonly field: string;
  readonly message: string;
}

/** Everything wrong with the combination of a client's fields; empty when it may be saved. */
export function registrationProblems(client: ClientRegistration): RegistrationProblem[] {
  const problems: RegistrationProblem[] = [];
  const grants = new Set(client.grantTypes);
  if (client.type === 'public' && client.tokenEndpointAuthMethod !== 'none') {
    problems.push({ field: 'token_endpoint_auth_method', message: 'a public client has no secret: its method must be none' });
  }
  if (client.type === 'confidential' && client.tokenEndpointAuthMethod === 'none') {
    problems.push({ field: 'token_endpoint_auth_method', message: 'a confidential client must use client_secret_basic or client_secret_post' });
  }
  if (grants.has('authorization_code') && client.redirectUris.length === 0) {
    problems.push({ field: 'redirect_uris', message: 'authorization_code needs at least one redirect URI' });
  }
  if (grants.has('refresh_token') && !grants.has('authorization_code')) {
    problems.push({ field: 'grant_types', message: 'refresh_token is only issued with authorization_code' });
  }
  if (grants.has('client_credentials') && client.type !== 'confidential') {
    problems.push({ field: 'grant_types', message: 'client_credentials is for confidential clients only' });
  }
  if (client.roles.length > 0 && !grants.has('client_credentials')) {
    problems.push({ field: 'roles', message: 'only a client with the client_credentials grant can hold roles (a service account)' });
  }
  return problems;
}
