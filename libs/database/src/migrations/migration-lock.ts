import pg from 'pg';
import type { DatabaseConfig } from '#platform/config/app-config.js';
import { pgClientOptions } from '../pg-connection-options.js';

/** Arbitrary but fixed: every OpenTrusty process agrees on it, nothing else uses it. */
export const MIGRATION_LOCK_KEY = 4_207_113_001;

/**
 * Runs `work` while holding a session-level PostgreSQL advisory lock on a dedicated connection,
 * so replicas started together migrate one after the other: the first applies, the rest find
 * nothing pending. The lock is released when the connection ends, even if the process dies.
 */
export async function withMigrationLock<T>(url: string, config: DatabaseConfig, work: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...pgClientOptions(url, config, 'opentrusty-migration-lock'), statement_timeout: 0 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await work();
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
