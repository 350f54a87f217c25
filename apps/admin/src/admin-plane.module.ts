import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { AUTHENTICATION_STRATEGIES } from '#access/authentication-strategy.js';
import { PermissionGuard } from '#access/permission.guard.js';
import { AuditModule } from '#audit/audit.module.js';
import { AuditReadModule } from '#audit/audit-read.module.js';
import { DatabaseModule } from '#database/database.module.js';
import { HealthModule } from '#health/health.module.js';
import { OAuthClientsModule } from '#oauth/oauth-clients.module.js';
import { OAuthKeysModule } from '#oauth/oauth-keys.module.js';
import { SigningKeysReadiness } from '#oauth/keys/signing-keys.readiness.js';
import type { PlaneContext } from '#platform/plane-context.js';
import { StrictInputInterceptor } from '#platform/api/strict-input.interceptor.js';
import { PlatformModule } from '#platform/platform.module.js';
import { TenancyModule } from '#tenancy/tenancy.module.js';
import { ApiRootController } from './api-root.controller.js';
import { AuditEventsController } from './audit/audit-events.controller.js';
import { AuditEventsService } from './audit/audit-events.service.js';
import { AuditQueriesController } from './audit/audit-queries.controller.js';
import { AuditQueryService } from './audit/audit-query.service.js';
import { AdminSessionStrategy } from './auth/admin-session.strategy.js';
import { BearerTokenStrategy } from './auth/bearer-token.strategy.js';
import { ServiceAccountRepository } from '#oauth/tokens/service-account.repository.js';
import { ConsoleAuthController } from './auth/console-auth.controller.js';
import { ConsoleAuthService } from './auth/console-auth.service.js';
import { PrincipalFactory } from './auth/principal.factory.js';
import { ClientAdministrationService } from './clients/client-administration.service.js';
import { ClientsController } from './clients/clients.controller.js';
import { KeyAdministrationService } from './keys/key-administration.service.js';
import { KeysController } from './keys/keys.controller.js';
import { MeController } from './me/me.controller.js';
import { SelfServiceService } from './me/self-service.service.js';
import { OpenApiController } from './openapi/openapi.controller.js';
import { TenantAdministrationService } from './tenants/tenant-administration.service.js';
import { TenantsController } from './tenants/tenants.controller.js';
import { UserAdministrationService } from './users/user-administration.service.js';
import { UsersController } from './users/users.controller.js';

/** The admin plane: REST JSON under /api/v1 (SPEC §6) and the probes. Every route passes the PermissionGuard. */
@Module({})
export class AdminPlaneModule {
  static forRoot(context: PlaneContext): DynamicModule {
    return {
      module: AdminPlaneModule,
      imports: [PlatformModule.forRoot(context), DatabaseModule.forRoot(context.orm), HealthModule.forRoot({ imports: [OAuthKeysModule], checks: [SigningKeysReadiness] }), TenancyModule, OAuthClientsModule, AuditModule, AuditReadModule],
      controllers: [ApiRootController, OpenApiController, ConsoleAuthController, MeController, TenantsController, UsersController, KeysController, ClientsController, AuditEventsController, AuditQueriesController],
      providers: [
        PrincipalFactory,
        AdminSessionStrategy,
        BearerTokenStrategy,
        ServiceAccountRepository,
        // Strategies in order of precedence: a Bearer token (service account) first, then the console session.
        {
          provide: AUTHENTICATION_STRATEGIES,
          useFactory: (bearer: BearerTokenStrategy, session: AdminSessionStrategy) => [bearer, session],
          inject: [BearerTokenStrategy, AdminSessionStrategy],
        },
        { provide: APP_GUARD, useClass: PermissionGuard },
        { provide: APP_INTERCEPTOR, useClass: StrictInputInterceptor },
        ConsoleAuthService,
        SelfServiceService,
        TenantAdministrationService,
        UserAdministrationService,
        KeyAdministrationService,
        ClientAdministrationService,
        AuditEventsService,
        AuditQueryService,
      ],
    };
  }
}
