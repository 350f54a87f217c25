import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { providerMetadata } from '#oauth/discovery/provider-metadata.js';
import { IssuerResolver } from '#oauth/issuer/issuer.resolver.js';
import { SigningKeyService } from '#oauth/keys/signing-key.service.js';

/** Public, cacheable documents: answered even for a suspended tenant (SPEC §4). */
const CACHEABLE = 'public, max-age=300';

@Controller()
export class DiscoveryController {
  constructor(
    private readonly issuers: IssuerResolver,
    private readonly keys: SigningKeyService,
  ) {}

  /** OIDC Discovery 1.0. */
  @Get('t/:slug/.well-known/openid-configuration')
  @Header('Cache-Control', CACHEABLE)
  async openIdConfiguration(@Param('slug') slug: string) {
    const issuer = await this.issuers.resolve(slug, { allowSuspended: true });
    return providerMetadata(issuer.url);
  }

  /** RFC 8414 §3: the well-known segment goes between the host and the issuer's path. */
  @Get('.well-known/oauth-authorization-server/t/:slug')
  @Header('Cache-Control', CACHEABLE)
  async authorizationServerMetadata(@Param('slug') slug: string) {
    const issuer = await this.issuers.resolve(slug, { allowSuspended: true });
    return providerMetadata(issuer.url);
  }

  /** The JWK set: staged, active and retired-but-unexpired public keys. */
  @Get('t/:slug/jwks')
  @Header('Cache-Control', CACHEABLE)
  async jwks(@Param('slug') slug: string, @Res({ passthrough: true }) res: Response) {
    const issuer = await this.issuers.resolve(slug, { allowSuspended: true });
    res.type('application/jwk-set+json');
    return this.keys.jwks(issuer.tenant.id);
  }
}
