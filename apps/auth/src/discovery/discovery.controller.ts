import { Controller, Get, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { PublicDocuments } from '#oauth/discovery/public-documents.service.js';
import { OAuthError } from '#oauth/oauth-error.js';
import { JWKS_TYPE, METADATA_TYPE, sendPublicDocument } from './public-document.response.js';

@Controller()
export class DiscoveryController {
  constructor(private readonly documents: PublicDocuments) {}

  /** OIDC Discovery 1.0. */
  @Get('t/:slug/.well-known/openid-configuration')
  async openIdConfiguration(@Param('slug') slug: string, @Res() res: Response): Promise<void> {
    send(res, METADATA_TYPE, await this.documents.metadata(slug));
  }

  /** RFC 8414 §3: the well-known segment goes between the host and the issuer's path. */
  @Get('.well-known/oauth-authorization-server/t/:slug')
  async authorizationServerMetadata(@Param('slug') slug: string, @Res() res: Response): Promise<void> {
    send(res, METADATA_TYPE, await this.documents.metadata(slug));
  }

  /** The JWK set: staged, active and retired-but-unexpired public keys. */
  @Get('t/:slug/jwks')
  async jwks(@Param('slug') slug: string, @Res() res: Response): Promise<void> {
    send(res, JWKS_TYPE, await this.documents.jwks(slug));
  }
}

function send(res: Response, type: string, body: Buffer | null): void {
  if (body === null) throw new OAuthError('not_found', 'No such issuer.');
  sendPublicDocument(res, type, body);
}
