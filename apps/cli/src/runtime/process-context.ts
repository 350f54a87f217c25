import type { Logger } from 'pino';
import type { AppConfig } from '#platform/config/app-config.js';
import { LifecycleState } from '#platform/lifecycle/lifecycle.state.js';
import type { PlaneContext } from '#platform/plane-context.js';
import { SystemClock } from '#platform/time/clock.js';
import { Metrics } from '#platform/metrics/metrics.js';
import { poolStatsReader } from '#database/pool-stats.js';
import type { DatabaseRuntime } from './database-runtime.js';

/** The shared context a command hands to the planes and services it runs. */
export function processContext(config: AppConfig, database: DatabaseRuntime, logger: Logger): PlaneContext {
  return {
    config,
    orm: database.orm,
    lifecycle: new LifecycleState(),
    logger,
    clock: new SystemClock(),
    keyEncryptionKey: database.keyEncryptionKey,
    metrics: new Metrics(poolStatsReader(database.orm)),
  };
}
