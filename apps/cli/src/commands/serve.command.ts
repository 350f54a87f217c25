import type { Logger } from 'pino';
import { applyMigrations, pendingMigrationNames } from '#database/migrations/migration-runner.js';
import type { AppConfig } from '#platform/config/app-config.js';
import { LifecycleState } from '#platform/lifecycle/lifecycle.state.js';
import { openDatabase } from '../runtime/database-runtime.js';
import { shutDownGracefully } from '../runtime/graceful-shutdown.js';
import { type PlaneSelection, type RunningPlane, startPlanes } from '../runtime/planes.js';
import { CliError } from '../cli-error.js';

/**
 * `opentrusty serve [--plane auth|admin|all]`: open (or start) the database, bring the schema
 * up to date (or refuse to serve when migrations are pending and OPENTRUSTY_MIGRATE_ON_START is
 * false), serve the planes, and on SIGTERM/SIGINT shut down gracefully. Resolves with the exit code.
 */
export async function serveCommand(plane: PlaneSelection, config: AppConfig, logger: Logger): Promise<number> {
  const database = await openDatabase(config, logger);
  const lifecycle = new LifecycleState();
  let planes: RunningPlane[];
  try {
    if (config.migrateOnStart) {
      const applied = await applyMigrations(database.orm, database.url, config.database);
      if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');
    } else {
      const pending = await pendingMigrationNames(database.orm);
      if (pending.length > 0) {
        throw new CliError(`migrations are pending (${pending.join(', ')}); run \`opentrusty migrate\` first, or set OPENTRUSTY_MIGRATE_ON_START=true`, 1);
      }
    }
    planes = await startPlanes({ config, orm: database.orm, lifecycle, logger }, plane);
  } catch (error) {
    await database.close();
    throw error;
  }
  printBanner(planes, config, database.embedded);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ signal }, 'signal received');
  // A second signal means "now": skip the drain.
  const impatient = () => process.exit(130);
  process.once('SIGINT', impatient);
  process.once('SIGTERM', impatient);
  await shutDownGracefully(planes.map((p) => p.app), () => database.close(), lifecycle, config, logger);
  return 0;
}

function printBanner(planes: readonly RunningPlane[], config: AppConfig, embedded: boolean): void {
  const lines = ['', 'OpenTrusty is serving:'];
  for (const plane of planes) {
    if (plane.name === 'auth') {
      lines.push(`  auth plane   ${config.publicUrl}  (listening on ${config.host}:${plane.port})`);
      lines.push(`    issuers    ${config.publicUrl}/t/{tenant-slug}`);
      lines.push(`    discovery  ${config.publicUrl}/t/{tenant-slug}/.well-known/openid-configuration`);
    } else {
      lines.push(`  admin plane  ${config.adminPublicUrl}/api/v1  (listening on ${config.host}:${plane.port})`);
    }
  }
  lines.push(`  readiness    ${planes[0] ? `http://localhost:${planes[0].port}/health/ready` : ''}`);
  lines.push(`  database     ${embedded ? `embedded PostgreSQL in ${config.dataDir}/pg` : 'OPENTRUSTY_DATABASE_URL'}`, '');
  process.stderr.write(`${lines.join('\n')}\n`);
}
