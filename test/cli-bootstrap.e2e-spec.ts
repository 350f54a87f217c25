import { afterEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { runCli } from './support/cli-process.js';
import { startTestPlanes, type TestPlanes } from './support/test-planes.js';
import { createMigratedDatabase, type TestDatabase } from './support/test-database.js';

const KEY = randomBytes(32).toString('base64');

describe('opentrusty bootstrap', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function database(): Promise<TestDatabase> {
    const db = await createMigratedDatabase();
    cleanup.push(() => db.drop());
    return db;
  }

  async function planesOn(db: TestDatabase): Promise<TestPlanes> {
    const planes = await startTestPlanes(db.url);
    cleanup.push(() => planes.close());
    return planes;
  }

  const env = (db: TestDatabase) => ({ OPENTRUSTY_DATABASE_URL: db.url, OPENTRUSTY_KEY_ENCRYPTION_KEY: KEY, OPENTRUSTY_LOG_LEVEL: 'warn' });

  it('creates the operator tenant and a platform admin, printing a generated password once; the admin can sign in', async () => {
    const db = await database();
    const result = await runCli(['bootstrap', '--tenant', 'operator', '--email', 'Root@Operator.example'], env(db));
    expect(result.code).toBe(0);
    const password = /Generated password \(shown only now\): (\S+)/.exec(result.stderr)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(result.stdout).not.toContain(password!);

    const planes = await planesOn(db);
    const login = await request(planes.admin.getHttpServer()).post('/api/v1/auth/login').send({ tenant: 'operator', email: 'root@operator.example', password }).expect(200);
    expect(login.body.roles).toEqual(['platform_admin', 'tenant_owner']);
    expect(login.body.tenant.slug).toBe('operator');
  });

  it('refuses with exit code 3 once a platform admin exists, changing nothing', async () => {
    const db = await database();
    expect((await runCli(['bootstrap', '--tenant', 'operator', '--email', 'root@operator.example', '--password', 'first-password-123'], env(db))).code).toBe(0);
    const again = await runCli(['bootstrap', '--tenant', 'other', '--email', 'second@other.example'], env(db));
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('already exists');
    const planes = await planesOn(db);
    await request(planes.admin.getHttpServer()).post('/api/v1/auth/login').send({ tenant: 'operator', email: 'root@operator.example', password: 'first-password-123' }).expect(200);
    await request(planes.admin.getHttpServer()).post('/api/v1/auth/login').send({ tenant: 'other', email: 'second@other.example', password: 'x' }).expect(401);
  });

  it('makes exactly one platform admin when two bootstraps race', async () => {
    const db = await database();
    const results = await Promise.all([
      runCli(['bootstrap', '--tenant', 'operator', '--email', 'one@operator.example', '--password', 'password-one-123'], env(db)),
      runCli(['bootstrap', '--tenant', 'operator', '--email', 'two@operator.example', '--password', 'password-two-123'], env(db)),
    ]);
    expect(results.map((result) => result.code).sort()).toEqual([0, 3]);
  });

  it('refuses to run on a database that is not migrated, with exit code 1 and a clear message', async () => {
    const { createEmptyDatabase } = await import('./support/test-database.js');
    const empty = await createEmptyDatabase();
    cleanup.push(() => empty.drop());
    const result = await runCli(['bootstrap', '--tenant', 'operator', '--email', 'root@operator.example'], env(empty));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('run `opentrusty migrate` first');
  });

  it.each([
    [['bootstrap', '--email', 'a@b.example'], 'needs --tenant'],
    [['bootstrap', '--tenant', 'Bad_Slug', '--email', 'a@b.example'], '--tenant must be'],
    [['bootstrap', '--tenant', 'operator', '--email', 'not-an-email'], '--email must be'],
    [['bootstrap', '--tenant', 'operator', '--email', 'a@b.example', '--password', 'short'], '--password must be'],
  ])('rejects %j with exit code 2', async (args, message) => {
    const result = await runCli(args, { OPENTRUSTY_DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none', OPENTRUSTY_KEY_ENCRYPTION_KEY: KEY });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
