import { Writable } from 'node:stream';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createAdminApp } from '#admin-plane/create-admin-app.js';
import { createAuthApp } from '#auth-plane/create-auth-app.js';
import { createOrm } from '#database/orm.factory.js';
import type { AppConfig } from '#platform/config/app-config.js';
import { LifecycleState } from '#platform/lifecycle/lifecycle.state.js';
import { createRootLogger } from '#platform/logging/root-logger.js';
import { freePort } from './cli-process.js';
import { appendEvidence } from './evidence.js';
import { ManualClock } from './manual-clock.js';
import { Metrics } from '#platform/metrics/metrics.js';
import { poolStatsReader } from '#database/pool-stats.js';
import { testConfig } from './test-config.js';

export interface TestPlanes {
  readonly auth: NestExpressApplication;
  readonly admin: NestExpressApplication;
  readonly orm: MikroORM;
  readonly config: AppConfig;
  readonly lifecycle: LifecycleState;
  /** The planes' clock: real time until a test sets or advances it. */
  readonly clock: ManualClock;
  readonly metrics: Metrics;
  /** Every JSON log line written while the planes ran, parsed. */
  readonly logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Both planes in this process on the given database, as `opentrusty serve` builds them (not listening). */
export async function startTestPlanes(databaseUrl: string, env: Record<string, string> = {}): Promise<TestPlanes> {
  // Real Argon2id at a lower cost than production, so suites that sign in often stay quick.
  const config = testConfig(databaseUrl, { OPENTRUSTY_LOG_LEVEL: 'debug', OPENTRUSTY_ARGON2_MEMORY_KIB: '4096', OPENTRUSTY_ARGON2_TIME_COST: '1', ...env });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const text = chunk.toString('utf8');
      for (const line of text.split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      appendEvidence(`logs-${process.pid}.ndjson`, text);
      done();
    },
  });
  const logger = createRootLogger(config.logLevel, sink);
  const orm = await createOrm(config.database.url!, config.database);
  const lifecycle = new LifecycleState();
  const clock = new ManualClock();
  const metrics = new Metrics(poolStatsReader(orm));
  const context = { config, orm, lifecycle, logger, clock, keyEncryptionKey: config.keyEncryptionKey!, metrics };
  const auth = await createAuthApp(context);
  const admin = await createAdminApp(context);
  return {
    auth,
    admin,
    orm,
    config,
    lifecycle,
    clock,
    metrics,
    logs,
    async close() {
      await auth.close();
      await admin.close();
      await orm.close(true);
    },
  };
}

export interface ListeningPlanes extends TestPlanes {
  /** The auth plane's origin, which is also its OPENTRUSTY_PUBLIC_URL: issuers are `${authOrigin}/t/{slug}`. */
  readonly authOrigin: string;
  readonly adminOrigin: string;
}

/** Both planes listening on free loopback ports, with public URLs that match, for real clients (RP libraries, browsers). */
export async function startListeningPlanes(databaseUrl: string, env: Record<string, string> = {}): Promise<ListeningPlanes> {
  const [authPort, adminPort] = [await freePort(), await freePort()];
  const authOrigin = `http://127.0.0.1:${authPort}`;
  const adminOrigin = `http://127.0.0.1:${adminPort}`;
  const planes = await startTestPlanes(databaseUrl, { OPENTRUSTY_PUBLIC_URL: authOrigin, OPENTRUSTY_ADMIN_PUBLIC_URL: adminOrigin, ...env });
  await planes.auth.listen(authPort, '127.0.0.1');
  await planes.admin.listen(adminPort, '127.0.0.1');
  return Object.assign(planes, { authOrigin, adminOrigin });
}
