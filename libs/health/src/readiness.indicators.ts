import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { MikroORM } from '@mikro-orm/postgresql';
import { APP_CONFIG } from '#platform/config/config.tokens.js';
import type { AppConfig } from '#platform/config/app-config.js';
import { LifecycleState } from '#platform/lifecycle/lifecycle.state.js';
import { pendingMigrationNames } from '#database/migrations/migration-runner.js';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness-check.js';

/** The checks behind GET /health/ready (SPEC §8), each reported under its own key. */
@Injectable()
export class ReadinessIndicators {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly orm: MikroORM,
    private readonly lifecycle: LifecycleState,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(READINESS_CHECKS) private readonly extraChecks: readonly ReadinessCheck[],
  ) {}

  /** The checks contributed by the plane's modules, each under its own name. */
  extraIndicators(): (() => Promise<HealthIndicatorResult>)[] {
    return this.extraChecks.map((extra) => async () => {
      const session = this.indicators.check(extra.name);
      try {
        const { ready, message } = await withTimeout(extra.check(), this.config.readyDatabaseTimeoutMs);
        return ready ? session.up() : session.down(message ? { message } : {});
      } catch {
        return session.down({ message: 'check failed' });
      }
    });
  }

  /** Down as soon as shutdown begins, so load balancers drain this instance first. */
  lifecycleCheck(): HealthIndicatorResult<'lifecycle'> {
    const session = this.indicators.check('lifecycle');
    return this.lifecycle.shuttingDown ? session.down({ message: 'shutting down' }) : session.up();
  }

  /** The database answers a trivial query within the configured time (500 ms by default). */
  databaseCheck(): PromiseLike<HealthIndicatorResult<'database'>> {
    return this.indicators
      .check('database')
      .attempt(async () => {
        await this.orm.em.getConnection().execute('select 1');
      })
      .withTimeout(this.config.readyDatabaseTimeoutMs);
  }

  /** Every migration this build knows is applied; pending ones are listed by name. */
  async migrationsCheck(): Promise<HealthIndicatorResult<'migrations'>> {
    const session = this.indicators.check('migrations');
    try {
      const pending = await withTimeout(pendingMigrationNames(this.orm), this.config.readyDatabaseTimeoutMs);
      return pending.length === 0 ? session.up({ pending }) : session.down({ pending });
    } catch {
      return session.down({ message: 'could not read the applied migrations' });
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
