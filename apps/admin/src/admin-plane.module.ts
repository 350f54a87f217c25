import { type DynamicModule, Module } from '@nestjs/common';
import { DatabaseModule } from '#database/database.module.js';
import { HealthModule } from '#health/health.module.js';
import type { PlaneContext } from '#platform/plane-context.js';
import { PlatformModule } from '#platform/platform.module.js';
import { ApiRootController } from './api-root.controller.js';

/** The admin plane: REST JSON under /api/v1 (SPEC §6) and the probes. */
@Module({})
export class AdminPlaneModule {
  static forRoot(context: PlaneContext): DynamicModule {
    return {
      module: AdminPlaneModule,
      imports: [PlatformModule.forRoot(context), DatabaseModule.forRoot(context.orm), HealthModule],
      controllers: [ApiRootController],
    };
  }
}
