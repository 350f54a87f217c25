import type { Request } from 'express';
import { AuthorizationPageError } from '#oauth/authorization/authorization-errors.js';
import { type OAuthParameters, oauthParameters } from '#oauth/http/form-parameters.js';
import { OAuthError } from '#oauth/oauth-error.js';

const FORM = 'application/x-www-form-urlencoded';

/** The form parameters of a back-channel request; RFC 6749 §3.2 requires application/x-www-form-urlencoded. */
export function formParameters(req: Request): OAuthParameters {
  if (!req.is(FORM)) throw new OAuthError('invalid_request', `Send the parameters as ${FORM}.`);
  return oauthParameters(req.body);
}

/**
 * The fields of a form a browser posted to a page of the issuer (the authorization endpoint by
 * POST, sign-in, consent, logout): OIDC Core §3.1.2.1, RP-Initiated Logout §2 and HTML forms use
 * application/x-www-form-urlencoded, and nothing else is read, so any other body (JSON included)
 * gets the error page rather than being taken as a form.
 */
export function pageFormParameters(req: Request): OAuthParameters {
  if (!req.is(FORM)) throw new AuthorizationPageError(400, 'This request cannot be completed', `Send the form as ${FORM}.`);
  return oauthParameters(req.body);
}
