import { Controller, Header, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ClientAuthenticator } from '#oauth/clients/client-authenticator.js';
import { TokenEndpointService } from '#oauth/tokens/token-endpoint.service.js';
import { IntrospectionService } from '#oauth/tokens/introspection.service.js';
import { RevocationService } from '#oauth/tokens/revocation.service.js';
import type { TokenResponse } from '#oauth/tokens/token-response.js';
import { formParameters } from '../http/form-body.js';

/** The back-channel endpoints of an issuer: token (RFC 6749 §3.2), revocation (RFC 7009), introspection (RFC 7662). */
@Controller('t/:slug')
export class TokenController {
  constructor(
    private readonly clients: ClientAuthenticator,
    private readonly tokens: TokenEndpointService,
    private readonly introspection: IntrospectionService,
    private readonly revocation: RevocationService,
  ) {}

  @Post('token')
  @HttpCode(200)
  @Header('Pragma', 'no-cache')
  async token(@Param('slug') slug: string, @Req() req: Request): Promise<TokenResponse> {
    return this.tokens.issue(slug, req.get('authorization'), formParameters(req));
  }

  @Post('introspect')
  @HttpCode(200)
  async introspect(@Param('slug') slug: string, @Req() req: Request) {
    const parameters = formParameters(req);
    return this.clients.withClient(slug, req.get('authorization'), parameters, { allowPublic: false }, ({ issuer, client }) =>
      this.introspection.introspect(issuer, client, parameters),
    );
  }

  @Post('revoke')
  @HttpCode(200)
  async revoke(@Param('slug') slug: string, @Req() req: Request): Promise<void> {
    const parameters = formParameters(req);
    const { issuer, client } = await this.clients.authenticate(slug, req.get('authorization'), parameters, { allowPublic: true });
    await this.revocation.revoke(issuer, client, parameters);
  }
}
