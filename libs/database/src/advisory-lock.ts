import type { MikroORM } from '@mikro-orm/postgresql';

/**
 * Runs `work` only if this process can take the session-level advisory lock `key` right now,
 * holding it on one pooled connection for the duration; returns undefined when another process
 * holds it. For background jobs that every replica runs but only one at a time should do.
 */
export async function ifAdvisoryLockFree<T>(orm: MikroORM, key: number, work: () => Promise<T>): Promise<T | undefined> {
  const pool = await orm.em.getConnection().getNativeClient();
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [key]);
    if (!rows[0]?.locked) return undefined;
    try {
      return await work();
    } finally {
      await client.query('select pg_advisory_unlock($1)', [key]);
    }
  } finally {
    client.release();
  }
}
