import type { OAuthErrorCode } from '../oauth-error.js';

/**
 * Before the client and its redirect URI are validated, an error must never redirect (SPEC §5.1):
 * it is shown to the user as an HTML page.
 */
export class AuthorizationPageError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
  ) {
    super(message);
    this.name = 'AuthorizationPageError';
  }
}

/** After that, errors go back to the client's redirect URI (RFC 6749 §4.1.2.1, RFC 9207 `iss`). */
export class AuthorizationRedirectError extends Error {
  constructor(
    readonly error: OAuthErrorCode | 'request_not_supported' | 'request_uri_not_supported',
    message: string,
    readonly redirectUri: string,
    readonly state: string | undefined,
    readonly issuer: string,
  ) {
    super(message);
    this.name = 'AuthorizationRedirectError';
  }
}
