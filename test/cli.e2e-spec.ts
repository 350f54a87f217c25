import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import pg from 'pg';
import { MIGRATIONS } from '#migrations/index.js';
import { freePort, runCli, startCli, waitForStatus } from './support/cli-process.js';
import { createEmptyDatabase, createMigratedDatabase, type TestDatabase } from './support/test-database.js';

const KEY = randomBytes(32).toString('base64');
const ALL = MIGRATIONS.map((migration) => migration.name);

function envFor(database: TestDatabase, extra: Record<string, string> = {}): Record<string, string> {
  return { OPENTRUSTY_DATABASE_URL: database.url, OPENTRUSTY_KEY_ENCRYPTION_KEY: KEY, OPENTRUSTY_LOG_LEVEL: 'info', ...extra };
}

async function appliedMigrations(database: TestDatabase): Promise<string[]> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const exists = await client.query(`select to_regclass('mikro_orm_migrations') is not null as present`);
    if (!exists.rows[0].present) return [];
    return (await client.query<{ name: string }>('select name from mikro_orm_migrations order by id')).rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}

describe('opentrusty command', () => {
  it('stops with exit code 2 and names the variable when the configuration is invalid', async () => {
    const result = await runCli(['serve'], { OPENTRUSTY_AUTH_PORT: 'eighty' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('OPENTRUSTY_AUTH_PORT');
    expect(result.stderr).toContain('"eighty"');
  });

  it('rejects unknown commands and options with exit code 2', async () => {
    expect((await runCli(['frobnicate'], {})).code).toBe(2);
    expect((await runCli(['serve', '--plane', 'both'], {})).code).toBe(2);
    expect((await runCli(['migrate', '--down', '-1'], {})).code).toBe(2);
  });

  describe('migrate', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createEmptyDatabase();
    });
    afterAll(async () => {
      await database.drop();
    });

    it('two `opentrusty migrate` started together both succeed and apply the schema once', async () => {
      const [first, second] = await Promise.all([runCli(['migrate'], envFor(database)), runCli(['migrate'], envFor(database))]);
      expect([first.code, second.code]).toEqual([0, 0]);
      expect([first.stderr, second.stderr].filter((text) => text.includes('nothing to do'))).toHaveLength(1);
      expect(await appliedMigrations(database)).toEqual(ALL);
    });

    it('--down N reverts the N most recent migrations, and migrate applies them again', async () => {
      const down = await runCli(['migrate', '--down', '1'], envFor(database));
      expect(down.code).toBe(0);
      expect(down.stderr).toContain(`reverted: ${ALL.at(-1)}`);
      expect(await appliedMigrations(database)).toEqual(ALL.slice(0, -1));
      expect((await runCli(['migrate'], envFor(database))).code).toBe(0);
      expect(await appliedMigrations(database)).toEqual(ALL);
    });
  });

  describe('serve', () => {
    it('refuses to serve when migrations are pending and migrating on start is off', async () => {
      const database = await createEmptyDatabase();
      try {
        const result = await runCli(['serve'], envFor(database, { OPENTRUSTY_MIGRATE_ON_START: 'false', OPENTRUSTY_AUTH_PORT: String(await freePort()), OPENTRUSTY_ADMIN_PORT: String(await freePort()) }));
        expect(result.code).toBe(1);
        expect(result.stderr).toContain('migrations are pending');
        expect(await appliedMigrations(database)).toEqual([]);
      } finally {
        await database.drop();
      }
    });

    it('serves only the chosen plane', async () => {
      const database = await createMigratedDatabase();
      const [authPort, adminPort] = [await freePort(), await freePort()];
      const run = startCli(['serve', '--plane', 'admin'], envFor(database, { OPENTRUSTY_AUTH_PORT: String(authPort), OPENTRUSTY_ADMIN_PORT: String(adminPort) }));
      try {
        await waitForStatus(`http://127.0.0.1:${adminPort}/health/ready`, 200);
        await expect(fetch(`http://127.0.0.1:${authPort}/health/live`)).rejects.toThrow();
      } finally {
        run.child.kill('SIGTERM');
        expect(await run.exited).toBe(0);
        await database.drop();
      }
    });

    it('on SIGTERM turns ready to 503, finishes the in-flight request, closes the pool and exits 0', async () => {
      const database = await createMigratedDatabase();
      const [authPort, adminPort] = [await freePort(), await freePort()];
      const run = startCli(
        ['serve'],
        envFor(database, { OPENTRUSTY_AUTH_PORT: String(authPort), OPENTRUSTY_ADMIN_PORT: String(adminPort), OPENTRUSTY_SHUTDOWN_DELAY_MS: '1500' }),
      );
      try {
        await waitForStatus(`http://127.0.0.1:${adminPort}/health/ready`, 200);
        await waitForStatus(`http://127.0.0.1:${authPort}/health/ready`, 200);

        // An in-flight request: headers sent, body still arriving when the signal comes.
        const body = '{"slow": "request-body"}';
        const socket = connect(adminPort, '127.0.0.1');
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
        await new Promise((resolve) => socket.once('connect', resolve));
        socket.write(`POST /api/v1 HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));

        run.child.kill('SIGTERM');
        await waitForStatus(`http://127.0.0.1:${authPort}/health/ready`, 503, 1_000);
        const ready = await fetch(`http://127.0.0.1:${adminPort}/health/ready`);
        expect(ready.status).toBe(503);
        expect(await fetch(`http://127.0.0.1:${adminPort}/health/live`).then((response) => response.status)).toBe(200);

        // Past the delay the servers are closing, but the unfinished request keeps the process alive.
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        expect(run.child.exitCode).toBeNull();
        socket.end(body.slice(5));
        expect(await run.exited).toBe(0);
        expect(answer).toMatch(/^HTTP\/1\.1 404 /);
        expect(answer).toContain('"code":"not_found"');
        expect(run.output.stdout).toContain('shutdown complete');

        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        const { rows } = await client.query(`select count(*)::int as n from pg_stat_activity where datname = $1 and application_name = 'opentrusty'`, [database.name]);
        await client.end();
        expect(rows[0].n).toBe(0);
      } finally {
        if (run.child.exitCode === null) run.child.kill('SIGKILL');
        await database.drop();
      }
    });
  });
});
