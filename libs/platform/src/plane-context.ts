import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { AppConfig } from './config/app-config.js';
import type { LifecycleState } from './lifecycle/lifecycle.state.js';

/**
 * What the process builds once and every plane shares: configuration, the ORM (one pool),
 * the lifecycle flag and the root logger. Passed to each plane's module factory.
 */
export interface PlaneContext {
  readonly config: AppConfig;
  readonly orm: MikroORM;
  readonly lifecycle: LifecycleState;
  readonly logger: Logger;
}
