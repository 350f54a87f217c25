import { Controller, Get, Inject, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AuthorizationPageError } from '#oauth/authorization/authorization-errors.js';
import { type OAuthParameters, oauthParameters } from '#oauth/http/form-parameters.js';
import type { Issuer } from '#oauth/issuer/issuer.js';
import { IssuerResolver } from '#oauth/issuer/issuer.resolver.js';
import { LogoutService } from '#oauth/logout/logout.service.js';
import type { AppConfig } from '#platform/config/app-config.js';
import { APP_CONFIG } from '#platform/config/config.tokens.js';
import { originOf } from '../pages/html.js';
import { sendLogoutConfirmation, sendMessagePage } from '../pages/message.page.js';
import { PageExceptionFilter } from '../pages/page-exception.filter.js';
import { AuthCookies } from '../session/auth-cookies.js';
import { pageFormParameters } from '../http/form-body.js';

/**
 * RP-initiated logout (`end_session_endpoint`). With a valid id_token_hint naming the signed-in
 * user the session ends at once; otherwise the user confirms on a page first, so a third-party
 * site cannot sign users out silently (not even with an ID token of its own).
 */
@Controller('t/:slug')
@UseFilters(PageExceptionFilter)
export class LogoutController {
  private readonly cookies: AuthCookies;

  constructor(
    private readonly issuers: IssuerResolver,
    private readonly logout: LogoutService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.cookies = new AuthCookies(config);
  }

  @Get('logout')
  async requestLogoutByGet(@Param('slug') slug: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.requestLogout(slug, oauthParameters(req.query), req, res);
  }

  /**
   * RP-Initiated Logout §2: a relying party may send its logout request by POST, form-serialized.
   * Sent from its site, that POST carries none of our SameSite=Lax cookies, so it could not see
   * the session it is meant to end: it is answered with a 303 to the same request by GET, a
   * top-level navigation that does carry them. A form carrying `csrf_token` is this page's own
   * confirmation.
   */
  @Post('logout')
  async logoutByPost(@Param('slug') slug: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const form = pageFormParameters(req);
    if (form.csrf_token !== undefined) return this.confirmLogout(slug, form, req, res);
    // Checked here first, so that only a valid request, with only its own parameters, is sent back.
    await this.logout.validate(await this.issuers.resolve(slug), form);
    const query = new URLSearchParams(LOGOUT_PARAMETERS.flatMap((name): [string, string][] => (form[name] === undefined ? [] : [[name, form[name]]])));
    const again = `/t/${encodeURIComponent(slug)}/logout${query.size > 0 ? `?${query}` : ''}`;
    if (again.length > MAX_REPEATED_URL_LENGTH) throw new AuthorizationPageError(400, 'This request cannot be completed', 'The logout request is too long.');
    res.redirect(303, again);
  }

  private async requestLogout(slug: string, parameters: OAuthParameters, req: Request, res: Response): Promise<void> {
    const issuer = await this.issuers.resolve(slug);
    const request = await this.logout.validate(issuer, parameters);
    if (await this.logout.endsWithoutAsking(issuer, request, this.cookies.session(req))) return this.finish(issuer, request.returnTo, req, res);
    const secret = this.cookies.browserSecret(req, res, slug);
    sendLogoutConfirmation(res, {
      slug,
      tenantName: issuer.tenant.name,
      csrfToken: logoutFormToken(secret),
      formTargets: request.returnTo ? [originOf(request.returnTo)] : [],
      hidden: { post_logout_redirect_uri: parameters.post_logout_redirect_uri, state: parameters.state, client_id: request.clientId },
    });
  }

  private async confirmLogout(slug: string, form: OAuthParameters, req: Request, res: Response): Promise<void> {
    const issuer = await this.issuers.resolve(slug);
    const secret = this.cookies.existingBrowserSecret(req);
    if (!secret || !logoutFormTokenMatches(secret, form.csrf_token)) throw new AuthorizationPageError(403, 'This form has expired', 'Reload the page and try again.');
    const request = await this.logout.validate(issuer, { ...form, id_token_hint: undefined });
    await this.finish(issuer, request.returnTo, req, res, 303);
  }

  private async finish(issuer: Issuer, returnTo: string | undefined, req: Request, res: Response, status: 302 | 303 = 302): Promise<void> {
    await this.logout.endSession(issuer, this.cookies.session(req));
    this.cookies.clearSession(res, issuer.tenant.slug);
    if (returnTo) res.redirect(status, returnTo);
    else sendMessagePage(res, 200, 'You are signed out', 'You can close this window.', issuer.tenant.name);
  }
}

/** The parameters of RP-Initiated Logout 1.0 §2 that this endpoint reads. */
const LOGOUT_PARAMETERS = ['id_token_hint', 'client_id', 'post_logout_redirect_uri', 'state'] as const;

/** Longer URLs are refused by common proxies and HTTP clients (8 KiB of request line and headers). */
const MAX_REPEATED_URL_LENGTH = 6_000;

function logoutFormToken(browserSecret: string): string {
  return createHmac('sha256', browserSecret).update('opentrusty/logout').digest('base64url');
}

function logoutFormTokenMatches(browserSecret: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(logoutFormToken(browserSecret));
  const actual = Buffer.from(presented);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
