import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type CliRun, freePort, runCli, startCli, waitForStatus } from '../support/cli-process.js';
import { DisposablePostgres } from '../support/disposable-postgres.js';
import { GENEROUS_RATE_LIMITS } from '../support/test-config.js';

/** `transition`: requests that overlapped a stop or a start, and the restart itself; only never-5xx applies. */
type Phase = 'before' | 'outage' | 'transition' | 'after';
type Kind = 'token' | 'create-user' | 'introspect' | 'list-users';

interface Exchange {
  readonly kind: Kind;
  readonly phase: Phase;
  readonly status: number | 'no-answer';
  readonly milliseconds: number;
  readonly body: Record<string, unknown>;
  readonly retryAfter: string | null;
  /** The issued access token or the created user's id, for success answers. */
  readonly produced?: string;
}

const PASSWORD = 'outage-operator-passphrase';

/**
 * SPEC §8, database outage: under steady load PostgreSQL crashes (immediate stop) and comes back.
 * While it is down every request fails fast with 503 (`temporarily_unavailable` on OAuth routes),
 * readiness is 503 and liveness 200, and the process stays up; afterwards it serves again by
 * itself, and everything it reported as done before, during or after is still there.
 */
describe('database outage under load', () => {
  let cluster: DisposablePostgres;
  let server: CliRun;
  let auth: string;
  let admin: string;
  let tenantId: string;
  let service: { id: string; secret: string };

  beforeAll(async () => {
    cluster = await DisposablePostgres.create();
    const key = randomBytes(32).toString('base64');
    const [authPort, adminPort] = [await freePort(), await freePort()];
    const env = {
      OPENTRUSTY_DATABASE_URL: cluster.url(),
      OPENTRUSTY_KEY_ENCRYPTION_KEY: key,
      OPENTRUSTY_AUTH_PORT: String(authPort),
      OPENTRUSTY_ADMIN_PORT: String(adminPort),
      OPENTRUSTY_PUBLIC_URL: `http://127.0.0.1:${authPort}`,
      OPENTRUSTY_ADMIN_PUBLIC_URL: `http://127.0.0.1:${adminPort}`,
      OPENTRUSTY_DATABASE_CONNECT_TIMEOUT_MS: '1000',
      OPENTRUSTY_PURGE_INTERVAL_MINUTES: '0',
      OPENTRUSTY_LOG_LEVEL: 'warn',
      OPENTRUSTY_ARGON2_MEMORY_KIB: '4096',
      OPENTRUSTY_ARGON2_TIME_COST: '1',
      ...GENEROUS_RATE_LIMITS,
    };
    expect((await runCli(['migrate'], env)).code).toBe(0);
    const bootstrap = await runCli(['bootstrap', '--tenant', 'ops', '--email', 'root@ops.example', '--password', PASSWORD], env);
    expect(bootstrap.code).toBe(0);
    server = startCli(['serve'], env);
    auth = `http://127.0.0.1:${authPort}`;
    admin = `http://127.0.0.1:${adminPort}`;
    await waitForStatus(`${auth}/health/ready`, 200);

    // A service account of the operator tenant: its Bearer token creates and lists users.
    const login = await fetch(`${admin}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenant: 'ops', email: 'root@ops.example', password: PASSWORD }) });
    expect(login.status).toBe(200);
    const session = (await login.json()) as { csrf_token: string; tenant: { id: string } };
    tenantId = session.tenant.id;
    const created = await fetch(`${admin}/api/v1/tenants/${tenantId}/clients`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: login.headers.getSetCookie()[0]!.split(';')[0]!, 'x-csrf-token': session.csrf_token },
      body: JSON.stringify({ name: 'Load', type: 'confidential', redirect_uris: [], grant_types: ['client_credentials'], scopes: ['api'], roles: ['tenant_admin'] }),
    });
    expect(created.status).toBe(201);
    const client = (await created.json()) as { client: { client_id: string }; client_secret: string };
    service = { id: client.client.client_id, secret: client.client_secret };
  });

  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await cluster?.destroy();
  });

  const basic = () => `Basic ${Buffer.from(`${service.id}:${service.secret}`).toString('base64')}`;
  const form = (fields: Record<string, string>) => ({ method: 'POST', headers: { authorization: basic(), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

  let bearer = '';
  let counter = 0;

  /** One request of the mixed load; what it reports is kept for the checks afterwards. */
  async function exchange(kind: Kind, phase: Phase, knownToken: string): Promise<Exchange> {
    const started = performance.now();
    let response: Response;
    try {
      if (kind === 'token') response = await fetch(`${auth}/t/ops/token`, form({ grant_type: 'client_credentials' }));
      else if (kind === 'introspect') response = await fetch(`${auth}/t/ops/introspect`, form({ token: knownToken }));
      else if (kind === 'list-users') response = await fetch(`${admin}/api/v1/tenants/${tenantId}/users?limit=5`, { headers: { authorization: `Bearer ${bearer}` } });
      else {
        response = await fetch(`${admin}/api/v1/tenants/${tenantId}/users`, {
          method: 'POST',
          headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
          body: JSON.stringify({ email: `user-${++counter}-${randomBytes(3).toString('hex')}@ops.example` }),
        });
      }
    } catch {
      return { kind, phase, status: 'no-answer', milliseconds: performance.now() - started, body: {}, retryAfter: null };
    }
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    const produced = response.ok ? (kind === 'token' ? (body.access_token as string) : kind === 'create-user' ? (body.id as string) : undefined) : undefined;
    return { kind, phase, status: response.status, milliseconds: performance.now() - started, body, retryAfter: response.headers.get('retry-after'), ...(produced ? { produced } : {}) };
  }

  it('fails fast with 503 during the outage, stays up, recovers by itself and loses nothing it reported done', async () => {
    const tokenResponse = await fetch(`${auth}/t/ops/token`, form({ grant_type: 'client_credentials' }));
    bearer = ((await tokenResponse.json()) as { access_token: string }).access_token;
    const pid = server.child.pid;

    const exchanges: Exchange[] = [];
    let phase: Phase = 'before';
    let running = true;
    const kinds: Kind[] = ['token', 'create-user', 'introspect', 'list-users'];
    const worker = async (offset: number) => {
      for (let index = offset; running; index++) {
        const lastToken = exchanges.findLast((entry) => entry.kind === 'token' && entry.produced)?.produced ?? bearer;
        const startedIn = phase;
        const result = await exchange(kinds[index % kinds.length]!, startedIn, lastToken);
        exchanges.push(phase === startedIn ? result : { ...result, phase: 'transition' });
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(worker));
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    await pause(1_500);
    phase = 'transition';
    await cluster.stop('immediate');
    phase = 'outage';
    await pause(500);
    const probes = {
      authReady: (await fetch(`${auth}/health/ready`)).status,
      adminReady: (await fetch(`${admin}/health/ready`)).status,
      authLive: (await fetch(`${auth}/health/live`)).status,
      adminLive: (await fetch(`${admin}/health/live`)).status,
    };
    await pause(2_500);
    phase = 'transition';
    await cluster.start();
    // Nobody restarts the server: it must notice by itself that the database is back.
    await waitForStatus(`${auth}/health/ready`, 200, 30_000);
    await waitForStatus(`${admin}/health/ready`, 200, 30_000);
    phase = 'after';
    await pause(1_500);
    running = false;
    await load;

    expect(server.child.exitCode).toBeNull();
    expect(server.child.pid).toBe(pid);
    expect(probes).toEqual({ authReady: 503, adminReady: 503, authLive: 200, adminLive: 200 });

    // Every request got an answer, and no answer was a 5xx other than 503.
    expect(exchanges.filter((entry) => entry.status === 'no-answer' || (entry.status !== 503 && (entry.status as number) >= 500))).toEqual([]);
    const before = exchanges.filter((entry) => entry.phase === 'before');
    const during = exchanges.filter((entry) => entry.phase === 'outage');
    const after = exchanges.filter((entry) => entry.phase === 'after');
    expect(before.length).toBeGreaterThan(10);
    expect(before.filter((entry) => entry.status !== 200 && entry.status !== 201)).toEqual([]);
    expect(during.length).toBeGreaterThan(20);
    expect(after.length).toBeGreaterThan(10);

    // During the outage: 503 for everything, fast, in each plane's error format, with Retry-After.
    expect(during.filter((entry) => entry.status !== 503)).toEqual([]);
    for (const entry of during) {
      expect(entry.retryAfter).not.toBeNull();
      // Generous for a shared machine: the point is an answer within the connect timeout, not a hang.
      expect(entry.milliseconds).toBeLessThan(5_000);
      if (entry.kind === 'token' || entry.kind === 'introspect') expect(entry.body.error).toBe('temporarily_unavailable');
      else expect(entry.body).toMatchObject({ status: 503, code: 'database_unavailable' });
    }
    // Once ready again, everything succeeds.
    expect(after.filter((entry) => entry.status !== 200 && entry.status !== 201)).toEqual([]);

    // Nothing reported done is lost: every issued token is active, every created user exists and was audited.
    const tokens = exchanges.filter((entry) => entry.kind === 'token' && entry.produced).map((entry) => entry.produced!);
    const users = exchanges.filter((entry) => entry.kind === 'create-user' && entry.produced).map((entry) => entry.produced!);
    expect(tokens.length).toBeGreaterThan(5);
    expect(users.length).toBeGreaterThan(5);
    for (const token of tokens) {
      const introspection = await fetch(`${auth}/t/ops/introspect`, form({ token }));
      expect(((await introspection.json()) as { active: boolean }).active).toBe(true);
    }
    const client = new pg.Client({ connectionString: cluster.url() });
    await client.connect();
    try {
      const stored = await client.query<{ id: string }>('select id from users where id = any($1::uuid[])', [users]);
      expect(stored.rows.map((row) => row.id).sort()).toEqual([...users].sort());
      const audited = await client.query<{ target_id: string }>(`select target_id from audit_events where action = 'user.created' and target_id = any($1::text[])`, [users]);
      expect(audited.rows.map((row) => row.target_id).sort()).toEqual([...users].sort());
      const issued = await client.query<{ n: number }>(`select count(*)::int as n from audit_events where action = 'token.issued' and metadata->>'grant_type' = 'client_credentials'`);
      expect(issued.rows[0]!.n).toBeGreaterThanOrEqual(tokens.length);
    } finally {
      await client.end();
    }
  });
});
