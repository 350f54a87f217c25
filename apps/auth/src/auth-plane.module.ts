import { type DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from '#audit/audit.module.js';
import { DatabaseModule } from '#database/database.module.js';
import { HealthModule } from '#health/health.module.js';
import { SigningKeysReadiness } from '#oauth/keys/signing-keys.readiness.js';
import { OAuthKeysModule } from '#oauth/oauth-keys.module.js';
import { OAuthTokensModule } from '#oauth/oauth-tokens.module.js';
import type { PlaneContext } from '#platform/plane-context.js';
import { PlatformModule } from '#platform/platform.module.js';
import { TenancyDataModule } from '#tenancy/tenancy-data.module.js';
import { DiscoveryController } from './discovery/discovery.controller.js';
import { TokenController } from './token/token.controller.js';
import { AuthorizeController } from './authorization/authorize.controller.js';
import { AuthorizationFlow } from './authorization/authorization-flow.service.js';
import { SignedInUser } from './session/signed-in-user.js';
import { UserInfoController } from './userinfo/userinfo.controller.js';
import { LogoutController } from './logout/logout.controller.js';
import { IdentityModule } from '#identity/identity.module.js';

/** The auth plane: per-tenant OAuth 2.0 / OpenID Connect issuers under /t/{slug} (SPEC §5) and the probes. */
@Module({})
export class AuthPlaneModule {
  static forRoot(context: PlaneContext): DynamicModule {
    return {
      module: AuthPlaneModule,
      imports: [
        PlatformModule.forRoot(context),
        DatabaseModule.forRoot(context.orm),
        HealthModule.forRoot({ imports: [OAuthKeysModule], checks: [SigningKeysReadiness] }),
        TenancyDataModule,
        OAuthKeysModule,
        OAuthTokensModule,
        IdentityModule,
        AuditModule,
      ],
      controllers: [DiscoveryController, TokenController, AuthorizeController, UserInfoController, LogoutController],
      providers: [AuthorizationFlow, SignedInUser],
    };
  }
}
