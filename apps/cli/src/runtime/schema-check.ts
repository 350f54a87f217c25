import { pendingMigrationNames } from '#database/migrations/migration-runner.js';
import { CliError } from '../cli-error.js';
import type { DatabaseRuntime } from './database-runtime.js';

/** Commands that use the schema refuse to run on a database that is not migrated to this build. */
export async function assertSchemaCurrent(database: DatabaseRuntime): Promise<void> {
  const pending = await pendingMigrationNames(database.orm);
  if (pending.length > 0) throw new CliError(`the database schema is not up to date (${pending.length} pending migrations); run \`opentrusty migrate\` first`, 1);
}
