import { Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { oauthParameters } from '#oauth/http/form-parameters.js';
import { OAuthError } from '#oauth/oauth-error.js';
import { UserInfoService } from '#oauth/tokens/userinfo.service.js';

/** OIDC UserInfo, by GET or POST; the token in the Authorization header, or in the form body on POST (RFC 6750 §2). */
@Controller('t/:slug')
export class UserInfoController {
  constructor(private readonly userInfo: UserInfoService) {}

  @Get('userinfo')
  byGet(@Param('slug') slug: string, @Req() req: Request) {
    return this.userInfo.claims(slug, bearerToken(req, undefined));
  }

  @Post('userinfo')
  @HttpCode(200)
  byPost(@Param('slug') slug: string, @Req() req: Request) {
    const body = req.is('application/x-www-form-urlencoded') ? oauthParameters(req.body).access_token : undefined;
    return this.userInfo.claims(slug, bearerToken(req, body));
  }
}

/**
 * RFC 6750 §2 and §3.1: the token from the Authorization header or the form body. Sent in both, or
 * in a malformed Bearer header, it is 400 invalid_request. Another scheme (e.g. Basic) counts as
 * no token: 401 with a bare challenge, which names no error.
 */
function bearerToken(req: Request, fromBody: string | undefined): string | undefined {
  const header = req.get('authorization');
  if (header !== undefined && fromBody !== undefined) throw invalidRequest('Send the access token in one place only.');
  if (header === undefined) return fromBody;
  if (!/^Bearer(\s|$)/i.test(header.trim())) return undefined;
  const match = /^Bearer ([^\s]+)$/i.exec(header.trim());
  if (!match) throw invalidRequest('The Authorization header is not a well-formed Bearer token.');
  return match[1];
}

function invalidRequest(description: string): OAuthError {
  return new OAuthError('invalid_request', description, { 'WWW-Authenticate': 'Bearer realm="opentrusty", error="invalid_request"' });
}
