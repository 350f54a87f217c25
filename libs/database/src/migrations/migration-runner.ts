import type { MikroORM } from '@mikro-orm/postgresql';
import type { DatabaseConfig } from '#platform/config/app-config.js';
import { MIGRATIONS } from '#migrations/index.js';
import { MIGRATIONS_TABLE } from '../orm.config.js';
import { withMigrationLock } from './migration-lock.js';

type Orm = Pick<MikroORM, 'migrator' | 'em'>;

/** Applies every pending migration under the advisory lock, in one transaction; returns their names. */
export async function applyMigrations(orm: Orm, url: string, config: DatabaseConfig): Promise<string[]> {
  return withMigrationLock(url, config, () => inUnboundedTransaction(orm, async (transaction) => names(await orm.migrator.up({ transaction }))));
}

/** Reverts the `steps` most recent migrations under the advisory lock; returns their names. */
export async function revertMigrations(orm: Orm, url: string, config: DatabaseConfig, steps: number): Promise<string[]> {
  return withMigrationLock(url, config, async () => {
    const executed = await executedMigrationNames(orm);
    const toRevert = executed.slice(-steps);
    if (toRevert.length === 0) return [];
    return inUnboundedTransaction(orm, async (transaction) => names(await orm.migrator.down({ migrations: toRevert, transaction })));
  });
}

/** Names recorded as applied, oldest first; empty when the migrations table does not exist yet. */
export async function executedMigrationNames(orm: Pick<Orm, 'em'>): Promise<string[]> {
  const connection = orm.em.getConnection();
  const [exists] = await connection.execute<{ present: boolean }[]>(`select to_regclass('${MIGRATIONS_TABLE}') is not null as present`);
  if (!exists?.present) return [];
  const rows = await connection.execute<{ name: string }[]>(`select name from ${MIGRATIONS_TABLE} order by id`);
  return rows.map((row) => row.name);
}

/** Migrations this build knows about and the database has not applied. */
export async function pendingMigrationNames(orm: Pick<Orm, 'em'>): Promise<string[]> {
  const executed = new Set(await executedMigrationNames(orm));
  return MIGRATIONS.map((migration) => migration.name).filter((name) => !executed.has(name));
}

async function inUnboundedTransaction<T>(orm: Orm, work: (transaction: unknown) => Promise<T>): Promise<T> {
  const connection = orm.em.getConnection();
  return connection.transactional(async (transaction) => {
    // Schema changes may legitimately outlast the request statement timeout.
    await connection.execute('set local statement_timeout = 0', [], 'run', transaction);
    return work(transaction);
  });
}

function names(migrations: readonly { name: string }[]): string[] {
  return migrations.map((migration) => migration.name);
}
