import { afterEach, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { MikroORM } from '@mikro-orm/postgresql';
import { MIGRATIONS } from '#migrations/index.js';
import { MIGRATION_LOCK_KEY } from '#database/migrations/migration-lock.js';
import { applyMigrations, executedMigrationNames } from '#database/migrations/migration-runner.js';
import { createOrm } from '#database/orm.factory.js';
import { testDatabaseConfig } from './support/test-config.js';
import { createEmptyDatabase, type TestDatabase } from './support/test-database.js';

const ALL = MIGRATIONS.map((migration) => migration.name);

describe('migration advisory lock', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function freshDatabaseWithOrms(count: number): Promise<{ database: TestDatabase; orms: MikroORM[] }> {
    const database = await createEmptyDatabase();
    cleanup.push(() => database.drop());
    const orms: MikroORM[] = [];
    for (let i = 0; i < count; i++) {
      const orm = await createOrm(database.url, testDatabaseConfig());
      cleanup.push(() => orm.close(true));
      orms.push(orm);
    }
    return { database, orms };
  }

  it('lets two migrators started together both finish, with the schema applied once', async () => {
    const { database, orms } = await freshDatabaseWithOrms(2);
    const results = await Promise.all(orms.map((orm) => applyMigrations(orm, database.url, testDatabaseConfig())));
    // One of them applied everything, the other found nothing pending.
    expect(results.map((applied) => applied.length).sort()).toEqual([0, ALL.length]);
    expect(await executedMigrationNames(orms[0]!)).toEqual(ALL);
    const [{ count }] = await orms[0]!.em.getConnection().execute<{ count: string }[]>('select count(*)::text as count from mikro_orm_migrations');
    expect(Number(count)).toBe(ALL.length);
  });

  it('waits while another process holds the lock, then migrates', async () => {
    const { database, orms } = await freshDatabaseWithOrms(1);
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    cleanup.push(() => holder.end());
    await holder.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);

    let finished = false;
    const migrating = applyMigrations(orms[0]!, database.url, testDatabaseConfig()).then((applied) => {
      finished = true;
      return applied;
    });
    // While the lock is held the migrator must not touch the schema.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(finished).toBe(false);
    expect(await executedMigrationNames(orms[0]!)).toEqual([]);

    await holder.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    expect(await migrating).toEqual(ALL);
  });

  it('releases the lock when done, so the next migrator does not wait', async () => {
    const { database, orms } = await freshDatabaseWithOrms(1);
    await applyMigrations(orms[0]!, database.url, testDatabaseConfig());
    const probe = new pg.Client({ connectionString: database.url });
    await probe.connect();
    cleanup.push(() => probe.end());
    const { rows } = await probe.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [MIGRATION_LOCK_KEY]);
    expect(rows[0]?.locked).toBe(true);
  });
});
