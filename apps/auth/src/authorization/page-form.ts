import type { Request } from 'express';
import { type OAuthParameters, oauthParameters } from '#oauth/http/form-parameters.js';
import { AuthorizationPageError } from '#oauth/authorization/authorization-errors.js';

/**
 * The fields of a form a browser posted to an authorization page (the authorization endpoint by
 * POST, sign-in, consent): OIDC Core §3.1.2.1 and HTML forms use application/x-www-form-urlencoded,
 * and nothing else is read, so a JSON body gets the error page rather than being taken as a form.
 */
export function pageFormParameters(req: Request): OAuthParameters {
  if (!req.is('application/x-www-form-urlencoded')) {
    throw new AuthorizationPageError(400, 'This request cannot be completed', 'Send the form as application/x-www-form-urlencoded.');
  }
  return oauthParameters(req.body);
}
