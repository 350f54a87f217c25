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
  async requestLogout(@Param('slug') slug: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const issuer = await this.issuers.resolve(slug);
    const parameters = oauthParameters(req.query);
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

  @Post('logout')
  async confirmLogout(@Param('slug') slug: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const issuer = await this.issuers.resolve(slug);
    const form: OAuthParameters = oauthParameters(req.body);
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

function logoutFormToken(browserSecret: string): string {
  return createHmac('sha256', browserSecret).update('opentrusty/logout').digest('base64url');
}

function logoutFormTokenMatches(browserSecret: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(logoutFormToken(browserSecret));
  const actual = Buffer.from(presented);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
