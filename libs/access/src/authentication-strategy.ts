import type { Request } from 'express';
import type { Principal } from './principal.js';

/**
 * One way of proving who is calling (a console session cookie, a Bearer access token). The
 * permission guard asks each registered strategy in turn; the first that recognises the
 * request's credentials decides. A strategy returns undefined when the request carries no
 * credentials of its kind, or carries ones that are not (or no longer) valid.
 */
export interface AuthenticationStrategy {
  readonly name: string;
  authenticate(req: Request): Promise<Principal | undefined>;
}

/** Multi-provider token under which each plane registers its strategies, in order of precedence. */
export const AUTHENTICATION_STRATEGIES = Symbol('AUTHENTICATION_STRATEGIES');
