/**
 * Prepares the PostgreSQL server for one `npm test` run, from the TypeScript sources (started by
 * global-setup.mjs through @swc-node/register). It prints one JSON line
 * `{"serverUrl","template"}` on stdout once the migrated template database exists. When it had to
 * start the embedded cluster, it keeps running until SIGTERM, then stops the cluster cleanly.
 */
import pg from 'pg';
import { pino } from 'pino';
import { startEmbeddedDatabase } from '#database/embedded/embedded-database.js';
import { applyMigrations } from '#database/migrations/migration-runner.js';
import { createOrm } from '#database/orm.factory.js';
import { testDatabaseConfig } from './test-config.js';

const [, , runId = 'adhoc', externalUrl = ''] = process.argv;
const logger = pino({ level: 'warn' }, pino.destination(2));

const embedded = externalUrl ? undefined : await startEmbeddedDatabase('.opentrusty/test', logger);
const serverUrl = externalUrl || embedded!.url;
const template = `ot_template_${runId}_0`;

const client = new pg.Client({ connectionString: serverUrl });
await client.connect();
await dropAbandonedDatabases(client);
await client.query(`create database "${template}"`);
await client.end();

const url = new URL(serverUrl);
url.pathname = `/${template}`;
const orm = await createOrm(url.toString(), testDatabaseConfig());
await applyMigrations(orm, url.toString(), testDatabaseConfig());
await orm.close(true);

process.stdout.write(`${JSON.stringify({ serverUrl, template })}\n`);

if (embedded) {
  const stop = async () => {
    await embedded.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  setInterval(() => undefined, 1 << 30);
}

/** Databases of runs that were killed before their teardown: their run id starts with a base-36 time. */
async function dropAbandonedDatabases(connection: pg.Client): Promise<void> {
  const { rows } = await connection.query<{ datname: string }>(`select datname from pg_database where datname ~ '^ot_(test|template|cli)_[0-9a-z]+_'`);
  const cutoff = Date.now() - 6 * 3600_000;
  for (const { datname } of rows) {
    const started = parseInt(datname.split('_')[2]!.slice(0, -4), 36);
    if (Number.isFinite(started) && started < cutoff) await connection.query(`drop database if exists "${datname}" with (force)`);
  }
}
