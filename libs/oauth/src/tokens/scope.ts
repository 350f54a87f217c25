import { OAuthError } from '../oauth-error.js';

/** The OpenID Connect scopes; every other scope is an API scope a client defines. */
export const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/;

/** RFC 6749 §3.3: space-delimited scope tokens; order does not matter and duplicates collapse. */
export function parseScope(value: string | undefined): string[] {
  if (value === undefined) return [];
  const tokens = value.split(' ').filter((token) => token !== '');
  if (tokens.length > 50 || tokens.some((token) => !SCOPE_TOKEN.test(token))) throw new OAuthError('invalid_scope', 'The scope is malformed.');
  return [...new Set(tokens)];
}

export function formatScope(scopes: readonly string[]): string {
  return scopes.join(' ');
}

/** Every requested scope must be one the client may request (SPEC §5.1). */
export function assertAllowed(requested: readonly string[], allowed: readonly string[]): void {
  const unknown = requested.filter((scope) => !allowed.includes(scope));
  if (unknown.length > 0) throw new OAuthError('invalid_scope', `The client may not request: ${unknown.join(' ').slice(0, 200)}.`);
}
