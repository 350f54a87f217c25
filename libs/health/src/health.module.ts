import { type DynamicModule, Module, type ModuleMetadata, type Type } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller.js';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness-check.js';
import { ReadinessIndicators } from './readiness.indicators.js';

export interface HealthOptions {
  /** Modules providing the extra checks. */
  readonly imports?: ModuleMetadata['imports'];
  /** Extra readiness checks, resolved from those modules. */
  readonly checks?: readonly Type<ReadinessCheck>[];
}

/** GET /health/live and /health/ready for one plane, with the plane's extra readiness checks. */
@Module({})
export class HealthModule {
  static forRoot(options: HealthOptions = {}): DynamicModule {
    const checks = options.checks ?? [];
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false }), ...(options.imports ?? [])],
      controllers: [HealthController],
      providers: [ReadinessIndicators, { provide: READINESS_CHECKS, useFactory: (...instances: ReadinessCheck[]) => instances, inject: [...checks] }],
    };
  }
}
