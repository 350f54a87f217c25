import type { Logger } from 'pino';
import { applyMigrations, pendingMigrationNames } from '#database/migrations/migration-runner.js';
import type { AppConfig } from '#platform/config/app-config.js';
import { openDatabase } from '../runtime/database-runtime.js';
import { shutDownGracefully } from '../runtime/graceful-shutdown.js';
import { type PlaneSelection, type RunningPlane, startPlanes } from '../runtime/planes.js';
import { CliError } from '../cli-error.js';
import type { INestApplicationContext } from '@nestjs/common';
import type { Server } from 'node:http';
import { startMetricsServer } from '#platform/metrics/metrics-server.js';
import { openCliServices, withCliServices } from '../runtime/cli-context.js';
import { PeriodicJob } from '../runtime/periodic-job.js';
import { KeyMaintenanceService } from '#oauth/keys/key-maintenance.service.js';
import { PurgeService } from '../maintenance/purge.service.js';
import { processContext } from '../runtime/process-context.js';
import { OperatorBootstrapService } from '#tenancy/operator-bootstrap.service.js';
import type { PlaneContext } from '#platform/plane-context.js';

/**
 * `opentrusty serve [--plane auth|admin|all]`: open (or start) the database, bring the schema
 * up to date (or refuse to serve when migrations are pending and OPENTRUSTY_MIGRATE_ON_START is
 * false), serve the planes, and on SIGTERM/SIGINT shut down gracefully. Resolves with the exit code.
 */
export async function serveCommand(plane: PlaneSelection, config: AppConfig, logger: Logger): Promise<number> {
  const database = await openDatabase(config, logger);
  const context = processContext(config, database, logger);
  let planes: RunningPlane[];
  let developmentOperator: DevelopmentOperator | undefined;
  let background: INestApplicationContext | undefined;
  let jobs: PeriodicJob[] = [];
  let metricsServer: Server | undefined;
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
    developmentOperator = database.embedded ? await ensureDevelopmentOperator(context) : undefined;
    background = await openCliServices(context);
    jobs = backgroundJobs(background, context);
    for (const job of jobs) await job.start();
    planes = await startPlanes(context, plane);
    if (config.metricsPort > 0) metricsServer = await startMetricsServer(context.metrics, config.metricsPort, config.host);
  } catch (error) {
    for (const job of jobs) await job.stop();
    await background?.close();
    await database.close();
    metricsServer?.close();
    throw error;
  }
  printBanner(planes, config, database.embedded, developmentOperator);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ signal }, 'signal received');
  // A second signal means "now": skip the drain.
  const impatient = () => process.exit(130);
  process.once('SIGINT', impatient);
  process.once('SIGTERM', impatient);
  await shutDownGracefully(
    planes.map((p) => p.app),
    async () => {
      for (const job of jobs) await job.stop();
      await background.close();
      await database.close();
      await new Promise((resolve) => (metricsServer ? metricsServer.close(resolve) : resolve(undefined)));
    },
    context.lifecycle,
    config,
    logger,
  );
  return 0;
}

/** Hourly key maintenance, and the purge at OPENTRUSTY_PURGE_INTERVAL_MINUTES (0: left to `opentrusty purge`). */
function backgroundJobs(services: INestApplicationContext, context: PlaneContext): PeriodicJob[] {
  const keys = new PeriodicJob('signing key maintenance', 60 * 60_000, context, async () => {
    const report = await services.get(KeyMaintenanceService).runOnce();
    return report.initialized.length > 0 || report.rotated.length > 0 ? { ...report } : undefined;
  });
  const minutes = context.config.purgeIntervalMinutes;
  if (minutes === 0) return [keys];
  const purge = new PeriodicJob('purge', minutes * 60_000, context, async () => {
    const report = await services.get(PurgeService).run();
    return report.skipped || Object.values(report.deleted).every((count) => count === 0) ? undefined : { deleted: report.deleted };
  }, false); // keys must exist before serving; the purge may catch up while requests are served
  return [keys, purge];
}

interface DevelopmentOperator {
  readonly email: string;
  readonly tenant: string;
  /** Only when it was created by this start: shown once. */
  readonly password?: string;
}

/**
 * On the embedded (development) database, make sure a platform administrator exists so a new
 * user can sign in right away: tenant `operator`, admin `admin@localhost` (SPEC §2).
 */
async function ensureDevelopmentOperator(context: PlaneContext): Promise<DevelopmentOperator | undefined> {
  return withCliServices(context, async (services) => {
    const bootstrap = services.get(OperatorBootstrapService);
    if (await bootstrap.hasPlatformAdmin()) return undefined;
    const result = await bootstrap.bootstrap(DEVELOPMENT_OPERATOR.tenant, DEVELOPMENT_OPERATOR.email, undefined);
    context.logger.info({ tenant: result.tenant.slug, user_id: result.admin.id }, 'development operator bootstrapped');
    return { email: result.admin.email, tenant: result.tenant.slug, ...(result.generatedPassword ? { password: result.generatedPassword } : {}) };
  });
}

const DEVELOPMENT_OPERATOR = { tenant: 'operator', email: 'admin@localhost' } as const;

function printBanner(planes: readonly RunningPlane[], config: AppConfig, embedded: boolean, operator: DevelopmentOperator | undefined): void {
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
  lines.push(`  database     ${embedded ? `embedded PostgreSQL in ${config.dataDir}/pg` : 'OPENTRUSTY_DATABASE_URL'}`);
  if (operator?.password) {
    lines.push(
      '',
      `Development operator created: tenant "${operator.tenant}", ${operator.email}`,
      `  password   ${operator.password}   (shown only now; sign in with POST ${config.adminPublicUrl}/api/v1/auth/login)`,
    );
  }
  lines.push('');
  process.stderr.write(`${lines.join('\n')}\n`);
}
