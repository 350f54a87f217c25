import { Module } from '@nestjs/common';
import { AuthorizationCodeRepository } from './authorization/authorization-code.repository.js';
import { AuthorizationService } from './authorization/authorization.service.js';
import { InteractionRepository } from './authorization/interaction.repository.js';
import { ClientAuthenticator } from './clients/client-authenticator.js';
import { ConsentRepository } from './consent/consent.repository.js';
import { IssuerClientCache } from './issuer/issuer-client.cache.js';
import { IssuerClientRepository } from './issuer/issuer-client.repository.js';
import { IssuerResolver } from './issuer/issuer.resolver.js';
import { OAuthKeysModule } from './oauth-keys.module.js';
import { AuthorizationCodeGrant } from './tokens/authorization-code.grant.js';
import { ClientCredentialsGrant } from './tokens/client-credentials.grant.js';
import { IdTokenService } from './tokens/id-token.service.js';
import { IntrospectionService } from './tokens/introspection.service.js';
import { RefreshTokenGrant } from './tokens/refresh-token.grant.js';
import { TokenEndpointService } from './tokens/token-endpoint.service.js';
import { RevocationService } from './tokens/revocation.service.js';
import { TokenRepository } from './tokens/token.repository.js';
import { UserInfoService } from './tokens/userinfo.service.js';
import { LogoutService } from './logout/logout.service.js';
import { IdTokenHints } from './tokens/id-token-hint.js';
import { PublicDocuments } from './discovery/public-documents.service.js';
import { IdentityModule } from '#identity/identity.module.js';
import { TenancyDataModule } from '#tenancy/tenancy-data.module.js';

const PROVIDERS = [
  IssuerResolver,
  IssuerClientRepository,
  IssuerClientCache,
  ClientAuthenticator,
  TokenRepository,
  IdTokenService,
  IdTokenHints,
  ClientCredentialsGrant,
  AuthorizationCodeGrant,
  RefreshTokenGrant,
  TokenEndpointService,
  IntrospectionService,
  RevocationService,
  InteractionRepository,
  AuthorizationCodeRepository,
  ConsentRepository,
  AuthorizationService,
  UserInfoService,
  LogoutService,
  PublicDocuments,
];

/** The OAuth 2.0 / OIDC protocol: issuers, client authentication, authorization, grants, tokens. */
@Module({ imports: [TenancyDataModule, OAuthKeysModule, IdentityModule], providers: PROVIDERS, exports: PROVIDERS })
export class OAuthTokensModule {}
