import { Module } from '@nestjs/common';
import { ClientAuthenticator } from './clients/client-authenticator.js';
import { IssuerClientRepository } from './issuer/issuer-client.repository.js';
import { ClientCredentialsGrant } from './tokens/client-credentials.grant.js';
import { IntrospectionService } from './tokens/introspection.service.js';
import { RevocationService } from './tokens/revocation.service.js';
import { TokenRepository } from './tokens/token.repository.js';

/** Client authentication, grants, token storage, introspection and revocation. */
@Module({
  providers: [IssuerClientRepository, ClientAuthenticator, TokenRepository, ClientCredentialsGrant, IntrospectionService, RevocationService],
  exports: [ClientAuthenticator, TokenRepository, ClientCredentialsGrant, IntrospectionService, RevocationService],
})
export class OAuthTokensModule {}
