import { Controller, Get, Inject, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { type OAuthParameters, oauthParameters } from '#oauth/http/form-parameters.js';
import type { AppConfig } from '#platform/config/app-config.js';
import { APP_CONFIG } from '#platform/config/config.tokens.js';
import { sendConsentPage } from '../pages/consent.page.js';
import { sendLoginPage } from '../pages/login.page.js';
import { PageExceptionFilter } from '../pages/page-exception.filter.js';
import { AuthCookies } from '../session/auth-cookies.js';
import { AuthorizationFlow, type FlowStep } from './authorization-flow.service.js';
import { pageFormParameters } from '../http/form-body.js';

/**
 * The browser-facing endpoints of an issuer: authorization (GET, and POST as OIDC Core §3.1.2.1
 * requires), the sign-in page and the consent page. HTTP only: the flow service decides.
 */
@Controller('t/:slug')
@UseFilters(PageExceptionFilter)
export class AuthorizeController {
  private readonly cookies: AuthCookies;

  constructor(
    private readonly flow: AuthorizationFlow,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.cookies = new AuthCookies(config);
  }

  @Get('authorize')
  async authorizeByGet(@Param('slug') slug: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.authorize(slug, oauthParameters(req.query), req, res);
  }

  @Post('authorize')
  async authorizeByPost(@Param('slug') slug: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.authorize(slug, pageFormParameters(req), req, res);
  }

  @Get('login')
  async loginPage(@Param('slug') slug: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const view = await this.flow.showLogin(slug, singleQueryValue(req, 'interaction'), this.cookies.existingBrowserSecret(req));
    sendLoginPage(res, view);
  }

  @Post('login')
  async login(@Param('slug') slug: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const result = await this.flow.submitLogin(slug, pageFormParameters(req), this.cookies.session(req), this.cookies.existingBrowserSecret(req), {
      ip: req.ip,
      userAgent: req.get('user-agent'),
    });
    if (result.sessionToken) this.cookies.setSession(res, slug, result.sessionToken);
    this.send(res, result.step, 303);
  }

  @Get('consent')
  async consentPage(@Param('slug') slug: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const view = await this.flow.showConsent(slug, singleQueryValue(req, 'interaction'), this.cookies.session(req), this.cookies.existingBrowserSecret(req));
    sendConsentPage(res, view);
  }

  @Post('consent')
  async consent(@Param('slug') slug: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const step = await this.flow.submitConsent(slug, pageFormParameters(req), this.cookies.session(req), this.cookies.existingBrowserSecret(req));
    this.send(res, step, 303);
  }

  private async authorize(slug: string, parameters: OAuthParameters, req: Request, res: Response): Promise<void> {
    const step = await this.flow.authorize(slug, parameters, this.cookies.session(req), () => this.cookies.browserSecret(req, res, slug));
    this.send(res, step, 302);
  }

  private send(res: Response, step: FlowStep, redirectStatus: 302 | 303): void {
    if (step.kind === 'redirect') res.redirect(redirectStatus, step.location);
    else if (step.kind === 'login') sendLoginPage(res, step.page);
    else sendConsentPage(res, step.page);
  }
}

function singleQueryValue(req: Request, name: string): string | undefined {
  const value = req.query[name];
  return typeof value === 'string' ? value : undefined;
}
