import type { Logger } from 'pino';
import { applyMigrations, revertMigrations } from '#database/migrations/migration-runner.js';
import type { AppConfig } from '#platform/config/app-config.js';
import { openDatabase } from '../runtime/database-runtime.js';

/** `opentrusty migrate [--down N]`: apply every pending migration, or revert the N most recent. */
export async function migrateCommand(down: number | undefined, config: AppConfig, logger: Logger): Promise<number> {
  const database = await openDatabase(config, logger);
  try {
    const { orm, url } = database;
    const changed = down === undefined ? await applyMigrations(orm, url, config.database) : await revertMigrations(orm, url, config.database, down);
    const verb = down === undefined ? 'applied' : 'reverted';
    logger.info({ migrations: changed }, changed.length > 0 ? `migrations ${verb}` : `no migrations ${verb}`);
    process.stderr.write(changed.length > 0 ? `${verb}: ${changed.join(', ')}\n` : `nothing to do: no migration ${verb}\n`);
    return 0;
  } finally {
    await database.close();
  }
}
