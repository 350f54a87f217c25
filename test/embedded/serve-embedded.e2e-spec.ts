import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, startCli, waitForStatus } from '../support/cli-process.js';

/** The `npm start` path: `opentrusty serve` with no database configured, as a new user runs it. */
describe('opentrusty serve on the embedded database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'opentrusty-serve-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  async function serve() {
    const [authPort, adminPort] = [await freePort(), await freePort()];
    const run = startCli(['serve'], { OPENTRUSTY_DATA_DIR: dataDir, OPENTRUSTY_AUTH_PORT: String(authPort), OPENTRUSTY_ADMIN_PORT: String(adminPort) });
    return { run, authPort, adminPort };
  }

  function embeddedUrl(): string {
    const [pid, , , port] = readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n');
    expect(Number(pid)).toBeGreaterThan(0);
    const password = readFileSync(join(dataDir, 'database-password'), 'utf8').trim();
    return `postgresql://opentrusty:${password}@127.0.0.1:${port!.trim()}/opentrusty`;
  }

  async function migrationCount(url: string): Promise<number> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query('select count(*)::int as n from mikro_orm_migrations')).rows[0].n as number;
    } finally {
      await client.end();
    }
  }

  it('creates the database, migrates, serves both planes, and recovers after being killed with SIGKILL', async () => {
    const first = await serve();
    await waitForStatus(`http://127.0.0.1:${first.authPort}/health/ready`, 200, 60_000);
    await waitForStatus(`http://127.0.0.1:${first.adminPort}/health/ready`, 200);
    expect(first.run.output.stderr).toContain('OpenTrusty is serving');
    const applied = await migrationCount(embeddedUrl());

    // A new user can sign in at once with the development operator printed on first start.
    const password = /Development operator created: tenant "operator", admin@localhost\n\s+password\s+(\S+)/.exec(first.run.output.stderr)?.[1];
    expect(password).toBeDefined();
    const login = await fetch(`http://127.0.0.1:${first.adminPort}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'operator', email: 'admin@localhost', password }),
    });
    expect(login.status).toBe(200);
    expect(((await login.json()) as { roles: string[] }).roles).toContain('platform_admin');
    expect(applied).toBeGreaterThan(0);

    // Killed without a chance to clean up: its postgres is orphaned and still holds the data directory.
    first.run.child.kill('SIGKILL');
    await first.run.exited;
    const orphanUrl = embeddedUrl();
    expect(await migrationCount(orphanUrl)).toBe(applied);

    const second = await serve();
    try {
      await waitForStatus(`http://127.0.0.1:${second.authPort}/health/ready`, 200, 60_000);
      expect(second.run.output.stdout).toContain('stopped an embedded PostgreSQL left running by a previous process');
      // The operator exists already: no new password is printed.
      expect(second.run.output.stderr).not.toContain('Development operator created');
      expect(await migrationCount(embeddedUrl())).toBe(applied);
    } finally {
      second.run.child.kill('SIGTERM');
      expect(await second.run.exited).toBe(0);
    }
    // A clean stop leaves nothing behind.
    expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  });
});
