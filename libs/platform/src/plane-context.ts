import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { AppConfig } from './config/app-config.js';
import type { LifecycleState } from './lifecycle/lifecycle.state.js';
import type { Clock } from './time/clock.js';
import type { Metrics } from './metrics/metrics.js';

/**
 * What the process builds once and every plane shares: configuration, the ORM (one pool),
 * the lifecycle flag, the root logger and the clock. Passed to each plane's module factory.
 */
export interface PlaneContext {
  readonly config: AppConfig;
  readonly orm: MikroORM;
  readonly lifecycle: LifecycleState;
  readonly logger: Logger;
  readonly clock: Clock;
  /** 32 bytes encrypting signing keys at rest: the configured one, or the embedded database's. */
  readonly keyEncryptionKey: Buffer;
  readonly metrics: Metrics;
}
