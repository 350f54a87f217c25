import { OAuthError } from '../oauth-error.js';
import type { OAuthParameters } from '../http/form-parameters.js';
import type { TokenEndpointAuthMethod } from './oauth-client.entity.js';

/** What a request presented to authenticate its client (RFC 6749 §2.3, OIDC Core §9). */
export interface PresentedClientCredentials {
  readonly method: TokenEndpointAuthMethod;
  readonly clientId: string;
  readonly secret?: string;
}

/**
 * Reads the client's credentials from the Authorization header (client_secret_basic) or the form
 * body (client_secret_post, or client_id alone for public clients). Using two methods at once is
 * refused (RFC 6749 §2.3); a malformed Basic header is an authentication failure.
 */
export function presentedCredentials(authorization: string | undefined, parameters: OAuthParameters): PresentedClientCredentials {
  const inBody = parameters.client_secret !== undefined;
  if (authorization !== undefined) {
    if (!/^basic /i.test(authorization)) throw basicFailure('Unsupported authorization scheme.');
    if (inBody) throw new OAuthError('invalid_request', 'Use only one client authentication method.');
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    if (separator < 0) throw basicFailure('Malformed Basic credentials.');
    // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
    const clientId = safeDecode(decoded.slice(0, separator));
    const secret = safeDecode(decoded.slice(separator + 1));
    if (clientId === undefined || secret === undefined) throw basicFailure('Malformed Basic credentials.');
    if (parameters.client_id !== undefined && parameters.client_id !== clientId) throw new OAuthError('invalid_request', 'client_id differs from the authenticated client.');
    return { method: 'client_secret_basic', clientId, secret };
  }
  const clientId = parameters.client_id;
  if (clientId === undefined) throw basicFailure('Client authentication is required.');
  return inBody ? { method: 'client_secret_post', clientId, secret: parameters.client_secret! } : { method: 'none', clientId };
}

/**
 * invalid_client, answered 401: RFC 6749 §5.2 requires the Basic challenge when the client used
 * Basic, and RFC 9110 §15.5.2 requires a challenge with every 401, so every failure carries it.
 */
export function basicFailure(message: string): OAuthError {
  return new OAuthError('invalid_client', message, { 'WWW-Authenticate': 'Basic realm="opentrusty", charset="UTF-8"' });
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
