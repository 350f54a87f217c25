import { type DynamicModule, Module } from '@nestjs/common';
import { DatabaseModule } from '#database/database.module.js';
import { HealthModule } from '#health/health.module.js';
import { OAuthKeysModule } from '#oauth/oauth-keys.module.js';
import { SigningKeysReadiness } from '#oauth/keys/signing-keys.readiness.js';
import type { PlaneContext } from '#platform/plane-context.js';
import { PlatformModule } from '#platform/platform.module.js';

/** The auth plane: per-tenant OAuth 2.0 / OpenID Connect issuers under /t/{slug} (SPEC §5) and the probes. */
@Module({})
export class AuthPlaneModule {
  static forRoot(context: PlaneContext): DynamicModule {
    return {
      module: AuthPlaneModule,
      imports: [PlatformModule.forRoot(context), DatabaseModule.forRoot(context.orm), HealthModule.forRoot({ imports: [OAuthKeysModule], checks: [SigningKeysReadiness] })],
    };
  }
}
