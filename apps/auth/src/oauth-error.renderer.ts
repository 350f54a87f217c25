import type { ClassifiedError } from '#platform/http/error-classification.js';
import type { ErrorRenderer, RenderedError } from '#platform/http/error-renderer.js';

/**
 * Errors on the auth plane use the OAuth 2.0 JSON shape (RFC 6749 §5.2): `error` and
 * `error_description`. Failures outside a protocol step map to the nearest OAuth code.
 */
export class OAuthErrorRenderer implements ErrorRenderer {
  format(error: ClassifiedError): RenderedError {
    return { contentType: 'application/json', body: JSON.stringify({ error: oauthCodeFor(error), error_description: error.detail }) };
  }
}

function oauthCodeFor(error: ClassifiedError): string {
  if (error.status === 503) return 'temporarily_unavailable';
  if (error.status >= 500) return 'server_error';
  if (error.status === 404) return 'not_found';
  return error.status === 400 || error.status === 413 || error.status === 415 || error.status === 431 ? 'invalid_request' : error.code;
}
