import { Controller, Header, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ClientAuthenticator } from '#oauth/clients/client-authenticator.js';
import { OAuthError } from '#oauth/oauth-error.js';
import { AuthorizationCodeGrant } from '#oauth/tokens/authorization-code.grant.js';
import { ClientCredentialsGrant } from '#oauth/tokens/client-credentials.grant.js';
import { RefreshTokenGrant } from '#oauth/tokens/refresh-token.grant.js';
import { IntrospectionService } from '#oauth/tokens/introspection.service.js';
import { RevocationService } from '#oauth/tokens/revocation.service.js';
import type { TokenResponse } from '#oauth/tokens/token-response.js';
import { required } from '#oauth/http/form-parameters.js';
import { formParameters } from './form-request.js';

/** The back-channel endpoints of an issuer: token (RFC 6749 §3.2), revocation (RFC 7009), introspection (RFC 7662). */
@Controller('t/:slug')
export class TokenController {
  constructor(
    private readonly clients: ClientAuthenticator,
    private readonly clientCredentials: ClientCredentialsGrant,
    private readonly authorizationCode: AuthorizationCodeGrant,
    private readonly refreshToken: RefreshTokenGrant,
    private readonly introspection: IntrospectionService,
    private readonly revocation: RevocationService,
  ) {}

  @Post('token')
  @HttpCode(200)
  @Header('Pragma', 'no-cache')
  async token(@Param('slug') slug: string, @Req() req: Request): Promise<TokenResponse> {
    const parameters = formParameters(req);
    const { issuer, client } = await this.clients.authenticate(slug, req.get('authorization'), parameters, { allowPublic: true });
    const grantType = required(parameters, 'grant_type');
    switch (grantType) {
      case 'authorization_code':
        return this.authorizationCode.exchange(issuer, client, parameters);
      case 'refresh_token':
        return this.refreshToken.exchange(issuer, client, parameters);
      case 'client_credentials':
        return this.clientCredentials.exchange(issuer, client, parameters);
      default:
        throw new OAuthError('unsupported_grant_type', 'This grant type is not supported.');
    }
  }

  @Post('introspect')
  @HttpCode(200)
  async introspect(@Param('slug') slug: string, @Req() req: Request) {
    const parameters = formParameters(req);
    const { issuer } = await this.clients.authenticate(slug, req.get('authorization'), parameters, { allowPublic: false });
    return this.introspection.introspect(issuer, parameters);
  }

  @Post('revoke')
  @HttpCode(200)
  async revoke(@Param('slug') slug: string, @Req() req: Request): Promise<void> {
    const parameters = formParameters(req);
    const { issuer, client } = await this.clients.authenticate(slug, req.get('authorization'), parameters, { allowPublic: true });
    await this.revocation.revoke(issuer, client, parameters);
  }
}
