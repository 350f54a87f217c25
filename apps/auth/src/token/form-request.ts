import type { Request } from 'express';
import { type OAuthParameters, oauthParameters } from '#oauth/http/form-parameters.js';
import { OAuthError } from '#oauth/oauth-error.js';

/** The form parameters of a back-channel request; RFC 6749 §3.2 requires application/x-www-form-urlencoded. */
export function formParameters(req: Request): OAuthParameters {
  if (!req.is('application/x-www-form-urlencoded')) throw new OAuthError('invalid_request', 'Send the parameters as application/x-www-form-urlencoded.');
  return oauthParameters(req.body);
}
