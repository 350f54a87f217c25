import { DomainError, type ErrorKind } from '#platform/errors/domain-error.js';

/** RFC 6749 §5.2 / OIDC error codes, plus the codes of the endpoints around them. */
export const OAUTH_ERROR_CODES = new Set<string>([
  'invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'invalid_token',
  'access_denied', 'unsupported_response_type', 'login_required', 'consent_required', 'interaction_required', 'server_error',
  'temporarily_unavailable', 'not_found', 'tenant_suspended', 'insufficient_scope',
]);

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_token'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'login_required'
  | 'consent_required'
  | 'interaction_required'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'not_found'
  | 'tenant_suspended'
  | 'insufficient_scope';

const KIND: Readonly<Record<OAuthErrorCode, ErrorKind>> = {
  invalid_request: 'invalid_input',
  invalid_client: 'unauthenticated',
  invalid_grant: 'invalid_input',
  unauthorized_client: 'invalid_input',
  unsupported_grant_type: 'invalid_input',
  invalid_scope: 'invalid_input',
  invalid_token: 'unauthenticated',
  access_denied: 'forbidden',
  unsupported_response_type: 'invalid_input',
  login_required: 'invalid_input',
  consent_required: 'invalid_input',
  interaction_required: 'invalid_input',
  server_error: 'unavailable',
  temporarily_unavailable: 'unavailable',
  not_found: 'not_found',
  tenant_suspended: 'forbidden',
  insufficient_scope: 'forbidden',
};

/**
 * A protocol error: its `code` is the OAuth error code itself, rendered by the auth plane as
 * `{"error": code, "error_description": message}` with the status of its kind.
 */
export class OAuthError extends DomainError {
  constructor(code: OAuthErrorCode, message: string, headers?: Readonly<Record<string, string>>) {
    super(KIND[code], code, message, undefined, headers);
  }
}
