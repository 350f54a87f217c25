import { OAUTH_ERROR_CODES } from '#oauth/oauth-error.js';
import { html, renderPage } from './pages/html.js';
import type { ClassifiedError } from '#platform/http/error-classification.js';
import type { ErrorRenderer, RenderedError } from '#platform/http/error-renderer.js';

/**
 * Errors on the auth plane use the OAuth 2.0 JSON shape (RFC 6749 §5.2): `error` and
 * `error_description`. Protocol errors keep their own code; other failures map to the nearest.
 */
export class OAuthErrorRenderer implements ErrorRenderer {
  format(error: ClassifiedError, _requestId: string | undefined, path?: string): RenderedError {
    // The browser-facing endpoints answer in HTML even when the request fails before routing
    // (a body the parser refuses), so a user never faces raw JSON and nothing redirects.
    if (path !== undefined && BROWSER_ENDPOINT.test(path)) {
      const page = renderPage({ title: 'This request cannot be completed', status: error.status, body: html`<h1>This request cannot be completed</h1><p>${error.detail}</p>` });
      return { contentType: 'text/html; charset=utf-8', body: page.body, headers: page.headers };
    }
    return { contentType: 'application/json', body: JSON.stringify({ error: oauthCodeFor(error), error_description: error.detail }) };
  }
}

const BROWSER_ENDPOINT = /^\/t\/[^/]+\/(authorize|login|consent|logout)$/;

function oauthCodeFor(error: ClassifiedError): string {
  if (OAUTH_ERROR_CODES.has(error.code)) return error.code;
  // Rate limited (429, with Retry-After): the registered code for a temporarily overloaded server.
  if (error.status === 503 || error.status === 429) return 'temporarily_unavailable';
  if (error.status >= 500) return 'server_error';
  if (error.status === 404) return 'not_found';
  return 'invalid_request';
}
