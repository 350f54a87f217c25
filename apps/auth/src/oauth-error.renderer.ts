import { OAUTH_ERROR_CODES } from '#oauth/oauth-error.js';
import type { ClassifiedError } from '#platform/http/error-classification.js';
import type { ErrorRenderer, RenderedError } from '#platform/http/error-renderer.js';

/**
 * Errors on the auth plane use the OAuth 2.0 JSON shape (RFC 6749 §5.2): `error` and
 * `error_description`. Protocol errors keep their own code; other failures map to the nearest.
 */
export class OAuthErrorRenderer implements ErrorRenderer {
  format(error: ClassifiedError): RenderedError {
    return { contentType: 'application/json', body: JSON.stringify({ error: oauthCodeFor(error), error_description: error.detail }) };
  }
}

function oauthCodeFor(error: ClassifiedError): string {
  if (OAUTH_ERROR_CODES.has(error.code)) return error.code;
  if (error.status === 503) return 'temporarily_unavailable';
  if (error.status >= 500) return 'server_error';
  if (error.status === 404) return 'not_found';
  return 'invalid_request';
}
