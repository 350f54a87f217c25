import { type DynamicModule, Global, Module } from '@nestjs/common';
import { APP_CONFIG, KEY_ENCRYPTION_KEY, ROOT_LOGGER } from './config/config.tokens.js';
import { LifecycleState } from './lifecycle/lifecycle.state.js';
import type { PlaneContext } from './plane-context.js';
import { Clock } from './time/clock.js';
import { Metrics } from './metrics/metrics.js';

/** Makes the shared process context (config, lifecycle, root logger, clock) injectable in a plane. */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(context: PlaneContext): DynamicModule {
    const providers = [
      { provide: APP_CONFIG, useValue: context.config },
      { provide: LifecycleState, useValue: context.lifecycle },
      { provide: ROOT_LOGGER, useValue: context.logger },
      { provide: Clock, useValue: context.clock },
      { provide: KEY_ENCRYPTION_KEY, useValue: context.keyEncryptionKey },
      { provide: Metrics, useValue: context.metrics },
    ];
    return { module: PlatformModule, providers, exports: providers.map((provider) => provider.provide) };
  }
}
