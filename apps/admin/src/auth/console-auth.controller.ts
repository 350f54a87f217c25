import { Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CurrentPrincipal } from '#access/current-principal.decorator.js';
import type { Principal } from '#access/principal.js';
import { Requires } from '#access/requires.decorator.js';
import { ApiRoute } from '#platform/api/api-route.decorator.js';
import { PublicRoute } from '#platform/api/route-access.js';
import { ValidBody } from '#platform/api/validation.js';
import type { AppConfig } from '#platform/config/app-config.js';
import { APP_CONFIG } from '#platform/config/config.tokens.js';
import type { z } from 'zod';
import { AdminCookie } from './admin-cookie.js';
import { consoleSessionSchema, loginBody } from './console-auth.schemas.js';
import { type ConsoleSessionView, ConsoleAuthService } from './console-auth.service.js';

@Controller('api/v1/auth')
export class ConsoleAuthController {
  private readonly cookie: AdminCookie;

  constructor(
    private readonly auth: ConsoleAuthService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.cookie = new AdminCookie(config);
  }

  @Post('login')
  @PublicRoute()
  @ApiRoute({
    tag: 'Console session',
    summary: 'Sign in to the admin console; sets the session cookie',
    body: loginBody,
    response: consoleSessionSchema,
    errors: { invalid_credentials: 'unauthenticated', admin_login_forbidden: 'forbidden', rate_limited: 'rate_limited' },
  })
  async login(@ValidBody() body: z.output<typeof loginBody>, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<ConsoleSessionView> {
    const { token, view } = await this.auth.login(body, { ip: req.ip, userAgent: req.get('user-agent') }, this.cookie.read(req));
    this.cookie.write(res, token);
    return view;
  }

  @Post('logout')
  @Requires('admin.login')
  @ApiRoute({ tag: 'Console session', summary: 'End the console session and clear its cookie', status: 204 })
  async logout(@CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) res: Response): Promise<void> {
    await this.auth.logout(principal);
    this.cookie.clear(res);
  }

  @Get('me')
  @Requires('admin.login')
  @ApiRoute({ tag: 'Console session', summary: 'The signed-in user, tenant, roles and CSRF token', response: consoleSessionSchema })
  me(@CurrentPrincipal() principal: Principal): Promise<ConsoleSessionView> {
    return this.auth.whoAmI(principal);
  }
}
