import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import type { DatabaseConfig } from '#platform/config/app-config.js';
import { pgClientOptions } from './pg-connection-options.js';

/**
 * Runs `work` only if this process can take the session-level advisory lock `key` right now;
 * returns undefined when another process holds it. For background jobs that every replica runs
 * but only one at a time should do. The lock is held on a connection of its own, outside the
 * pool, so the work has the whole pool (even a pool of one) and the lock goes with that
 * connection should the process die.
 */
export async function ifAdvisoryLockFree<T>(orm: MikroORM, database: DatabaseConfig, key: number, work: () => Promise<T>): Promise<T | undefined> {
  const client = new pg.Client({ ...pgClientOptions(orm.config.get('clientUrl') as string, database, 'opentrusty-job-lock'), statement_timeout: 0 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [key]);
    if (!rows[0]?.locked) return undefined;
    try {
      return await work();
    } finally {
      await client.query('select pg_advisory_unlock($1)', [key]).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
