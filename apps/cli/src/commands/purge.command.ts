import type { Logger } from 'pino';
import type { AppConfig } from '#platform/config/app-config.js';
import { PurgeService } from '../maintenance/purge.service.js';
import { withCliServices } from '../runtime/cli-context.js';
import { openDatabase } from '../runtime/database-runtime.js';
import { processContext } from '../runtime/process-context.js';
import { assertSchemaCurrent } from '../runtime/schema-check.js';

/** `opentrusty purge` (SPEC §2): deletes what has expired, once, and prints what it removed. */
export async function purgeCommand(config: AppConfig, logger: Logger): Promise<number> {
  const database = await openDatabase(config, logger);
  try {
    await assertSchemaCurrent(database);
    const report = await withCliServices(processContext(config, database, logger), (services) => services.get(PurgeService).run());
    if (report.skipped) {
      process.stderr.write('another purge is running; nothing done\n');
      return 0;
    }
    logger.info({ deleted: report.deleted }, 'purge complete');
    for (const [table, count] of Object.entries(report.deleted)) process.stderr.write(`${table}: ${count} deleted\n`);
    return 0;
  } finally {
    await database.close();
  }
}
