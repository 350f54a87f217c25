import type { MikroORM } from '@mikro-orm/postgresql';
import type { PoolStats } from '#platform/metrics/metrics.js';

/** A synchronous reader of the ORM pool's counters, for the metrics gauge (undefined until the pool exists). */
export function poolStatsReader(orm: MikroORM): () => PoolStats | undefined {
  let pool: { totalCount: number; idleCount: number; waitingCount: number } | undefined;
  orm.em
    .getConnection()
    .getNativeClient()
    .then((native) => (pool = native))
    .catch(() => undefined);
  return () => (pool ? { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount } : undefined);
}
