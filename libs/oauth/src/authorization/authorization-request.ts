import { isUuid } from '#platform/ids/uuidv7.js';
import type { OAuthParameters } from '../http/form-parameters.js';
import type { RegisteredClient } from '../issuer/issuer-client.repository.js';
import { OAuthError } from '../oauth-error.js';
import { assertAllowed, parseScope } from '../tokens/scope.js';
import { AuthorizationPageError, AuthorizationRedirectError } from './authorization-errors.js';
import type { AuthorizationRequest } from './interaction.entity.js';

const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const KNOWN_PROMPTS = new Set(['none', 'login', 'consent']);

/** Phase one: the client and the redirect URI. Failures here are shown, never redirected. */
export function checkClientAndRedirect(parameters: OAuthParameters, client: RegisteredClient | null): { client: RegisteredClient; redirectUri: string } {
  if (!parameters.client_id || !isUuid(parameters.client_id) || !client || client.status !== 'active') {
    throw new AuthorizationPageError(400, 'Unknown application', 'The application that sent you here is not registered with this sign-in service.');
  }
  const redirectUri = parameters.redirect_uri;
  // Exact string comparison with a registered URI: no normalisation, no wildcards (SPEC §5.1).
  if (!redirectUri || !client.redirectUris.includes(redirectUri)) {
    throw new AuthorizationPageError(400, 'Invalid redirect', 'The application asked to send you back to an address it has not registered.');
  }
  return { client, redirectUri };
}

/**
 * Phase two: the rest of the request, as a short pipeline of named checks (OIDC Core §3.1.2.1,
 * RFC 7636, SPEC §5.1). Failures go back to the redirect URI with `state`.
 */
export function checkAuthorizationRequest(parameters: OAuthParameters, client: RegisteredClient, redirectUri: string, issuer: string): AuthorizationRequest {
  const state = parameters.state;
  const fail = (error: AuthorizationRedirectError['error'], message: string): never => {
    throw new AuthorizationRedirectError(error, message, redirectUri, state, issuer);
  };
  if (state !== undefined && state.length > 2048) fail('invalid_request', 'state is too long.');
  if (parameters.request !== undefined) fail('request_not_supported', 'Request objects are not supported.');
  if (parameters.request_uri !== undefined) fail('request_uri_not_supported', 'request_uri is not supported.');
  if (parameters.response_type !== 'code') fail('unsupported_response_type', 'Only response_type=code is supported.');
  if (parameters.response_mode !== undefined && parameters.response_mode !== 'query') fail('invalid_request', 'Only response_mode=query is supported.');
  if (!client.grantTypes.includes('authorization_code')) fail('unauthorized_client', 'This client may not use the authorization code flow.');

  const scope = checkScope(parameters.scope, client, fail);
  const codeChallenge = checkPkce(parameters, fail);
  const prompt = checkPrompt(parameters.prompt, fail);
  const maxAge = checkMaxAge(parameters.max_age, fail);
  if (parameters.nonce !== undefined && parameters.nonce.length > 512) fail('invalid_request', 'nonce is too long.');
  if (parameters.login_hint !== undefined && parameters.login_hint.length > 320) fail('invalid_request', 'login_hint is too long.');

  return {
    clientId: client.id,
    redirectUri,
    scope,
    codeChallenge,
    prompt,
    ...(state !== undefined ? { state } : {}),
    ...(parameters.nonce !== undefined ? { nonce: parameters.nonce } : {}),
    ...(maxAge !== undefined ? { maxAge } : {}),
    ...(parameters.login_hint !== undefined ? { loginHint: parameters.login_hint } : {}),
  };
}

type Fail = (error: AuthorizationRedirectError['error'], message: string) => never;

function checkScope(value: string | undefined, client: RegisteredClient, fail: Fail): string {
  let scopes: string[];
  try {
    scopes = parseScope(value);
    assertAllowed(scopes, client.scopes);
  } catch (error) {
    return fail('invalid_scope', error instanceof OAuthError ? error.message : 'The scope is not valid.');
  }
  if (scopes.length === 0) return fail('invalid_scope', 'A scope is required.');
  return scopes.join(' ');
}

/** RFC 7636 with S256 only, for every client; `plain` (or no method, which means plain) is refused. */
function checkPkce(parameters: OAuthParameters, fail: Fail): string {
  const challenge = parameters.code_challenge;
  if (challenge === undefined) return fail('invalid_request', 'PKCE is required: send code_challenge with code_challenge_method=S256.');
  if (parameters.code_challenge_method !== 'S256') return fail('invalid_request', 'Only code_challenge_method=S256 is supported.');
  if (!CODE_CHALLENGE.test(challenge)) return fail('invalid_request', 'code_challenge is not a base64url SHA-256 value.');
  return challenge;
}

function checkPrompt(value: string | undefined, fail: Fail): ('none' | 'login' | 'consent')[] {
  // OIDC Core §3.1.2.1: select_account must let the user choose an account, or fail. There is no
  // account chooser here: the sign-in page is where the user picks the account, so it asks for a
  // sign-in, as login does.
  const values = (value ?? '').split(' ').filter(Boolean).map((prompt) => (prompt === 'select_account' ? 'login' : prompt));
  if (values.includes('none') && values.length > 1) fail('invalid_request', 'prompt=none cannot be combined with other values.');
  // Values this server does not know (create, or ones defined later) are ignored, as OIDC Core allows.
  return [...new Set(values.filter((prompt) => KNOWN_PROMPTS.has(prompt)))] as ('none' | 'login' | 'consent')[];
}

function checkMaxAge(value: string | undefined, fail: Fail): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) return fail('invalid_request', 'max_age must be a non-negative integer.');
  return Number(value);
}
