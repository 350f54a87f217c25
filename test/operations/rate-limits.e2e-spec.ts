import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { RateLimiter } from '#database/rate-limit/rate-limiter.js';
import type { Sql } from '#database/sql.js';
import { AdminSession, PASSWORD, seedTenant, seedUser, type SeededTenant } from '../support/admin-api.js';
import { type CliRun, freePort, startCli, waitForStatus } from '../support/cli-process.js';
import { seedClient, type SeededClient } from '../support/oauth-clients.js';
import { createMigratedDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestPlanes, type TestPlanes } from '../support/test-planes.js';
import { hiddenField } from '../support/user-agent.js';

const LOW_LIMITS = {
  OPENTRUSTY_TRUST_PROXY: 'loopback',
  OPENTRUSTY_RATE_LIMIT_SIGN_IN_PER_IP: '6/1m',
  OPENTRUSTY_RATE_LIMIT_SIGN_IN_PER_ACCOUNT: '3/1m',
  OPENTRUSTY_RATE_LIMIT_TOKEN_PER_CLIENT: '3/1m',
  OPENTRUSTY_RATE_LIMIT_ADMIN_PER_CALLER: '5/1m',
};

describe('rate limits (SPEC §8)', () => {
  let database: TestDatabase;
  let planes: TestPlanes;
  let tenant: SeededTenant;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startTestPlanes(database.url, LOW_LIMITS);
    tenant = await seedTenant(planes, 'limited-co');
  });

  afterAll(async () => {
    await planes.close();
    await database.drop();
  });

  /** A console sign-in from `ip` (believed: the planes trust the loopback proxy). */
  const consoleLogin = (ip: string, email: string, password: string) =>
    request(planes.admin.getHttpServer()).post('/api/v1/auth/login').set('X-Forwarded-For', ip).send({ tenant: 'limited-co', email, password });

  const hashVerifications = async () => {
    const metric = await planes.metrics.passwordHashDuration.get();
    return metric.values.find((value) => value.metricName === 'opentrusty_password_hash_duration_seconds_count' && value.labels.operation === 'verify')?.value ?? 0;
  };

  describe('sign-in', () => {
    it('per account: the attempt over the limit is 429 with Retry-After even with the right password, and costs no hash', async () => {
      const user = await seedUser(planes, tenant, 'grace@limited.example', ['tenant_admin']);
      for (let attempt = 0; attempt < 3; attempt++) await consoleLogin('198.51.100.1', user.email, 'wrong-password').expect(401);

      const verificationsBefore = await hashVerifications();
      const refused = await consoleLogin('198.51.100.1', user.email, PASSWORD).expect(429);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({ status: 429, code: 'rate_limited', retry_after: 20 });
      // 3 per minute: one more attempt every 20 seconds once the burst is spent.
      expect(refused.headers['retry-after']).toBe('20');
      expect(await hashVerifications()).toBe(verificationsBefore);
      // From another address the account is still limited; another account from this address is not.
      await consoleLogin('198.51.100.9', user.email, PASSWORD).expect(429);
      await consoleLogin('198.51.100.1', 'someone-else@limited.example', 'wrong-password').expect(401);

      planes.clock.advance(20_000);
      await consoleLogin('198.51.100.1', user.email, PASSWORD).expect(200);
      await consoleLogin('198.51.100.1', user.email, PASSWORD).expect(429);
    });

    it('per address: shared by the console and the sign-in page, which answers 429 with the form and Retry-After', async () => {
      for (let attempt = 0; attempt < 6; attempt++) await consoleLogin('198.51.100.2', `nobody-${attempt}@limited.example`, 'wrong-password').expect(401);
      await consoleLogin('198.51.100.2', 'nobody-else@limited.example', 'wrong-password').expect(429).expect('Retry-After', '10');
      // Another (trusted) forwarded address has its own allowance.
      await consoleLogin('198.51.100.3', 'nobody-else@limited.example', 'wrong-password').expect(401);

      const client = await seedClient(planes, tenant.id, { redirectUris: ['http://127.0.0.1:9999/callback'] });
      const auth = request.agent(planes.auth.getHttpServer());
      const authorize = await auth
        .get('/t/limited-co/authorize')
        .query({ response_type: 'code', client_id: client.clientId, redirect_uri: 'http://127.0.0.1:9999/callback', scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' })
        .set('X-Forwarded-For', '198.51.100.2')
        .expect(302);
      const loginPath = new URL(authorize.headers.location!);
      const page = await auth.get(`${loginPath.pathname}${loginPath.search}`).set('X-Forwarded-For', '198.51.100.2').expect(200);
      const form = { interaction: hiddenField(page.text, 'interaction'), csrf_token: hiddenField(page.text, 'csrf_token'), email: 'ada@limited.example', password: 'wrong-password' };
      const refused = await auth.post('/t/limited-co/login').type('form').set('X-Forwarded-For', '198.51.100.2').send(form).expect(429);
      expect(refused.headers['retry-after']).toBe('10');
      expect(refused.headers['content-type']).toMatch(/^text\/html/);
      expect(refused.text).toContain('Too many sign-in attempts');
      expect(refused.text).toContain('<form method="post" action="/t/limited-co/login">');
      expect(refused.text).toContain('value="ada@limited.example"');
    });

    it('counts the TCP peer, not X-Forwarded-For, unless OPENTRUSTY_TRUST_PROXY says so', async () => {
      const untrusting = await startTestPlanes(database.url, { OPENTRUSTY_RATE_LIMIT_SIGN_IN_PER_IP: '2/1m' });
      try {
        const login = (forwarded: string) =>
          request(untrusting.admin.getHttpServer()).post('/api/v1/auth/login').set('X-Forwarded-For', forwarded).send({ tenant: 'limited-co', email: `${forwarded}@limited.example`, password: 'x' });
        await login('203.0.113.1').expect(401);
        await login('203.0.113.2').expect(401);
        await login('203.0.113.3').expect(429);
      } finally {
        await untrusting.close();
      }
    });
  });

  describe('token endpoint, per client', () => {
    let service: SeededClient;
    let other: SeededClient;
    const token = (client: SeededClient, secret = client.clientSecret!) =>
      request(planes.auth.getHttpServer()).post('/t/limited-co/token').type('form').auth(client.clientId, secret).send({ grant_type: 'client_credentials' });

    beforeAll(async () => {
      service = await seedClient(planes, tenant.id, { grantTypes: ['client_credentials'], scopes: ['api:read'] });
      other = await seedClient(planes, tenant.id, { grantTypes: ['client_credentials'], scopes: ['api:read'] });
    });

    it('answers 429 temporarily_unavailable with Retry-After over the limit; failed client authentication uses none of it', async () => {
      // Anyone may know a client_id: requests that fail authentication must not spend its allowance.
      for (let attempt = 0; attempt < 5; attempt++) await token(service, 'not-the-secret').expect(401);
      for (let attempt = 0; attempt < 3; attempt++) await token(service).expect(200);

      const refused = await token(service).expect(429);
      expect(refused.body).toEqual({ error: 'temporarily_unavailable', error_description: 'Too many requests; try again in 20 seconds.' });
      expect(refused.headers['retry-after']).toBe('20');
      expect(refused.headers['cache-control']).toBe('no-store');
      await token(other).expect(200);

      planes.clock.advance(20_000);
      await token(service).expect(200);
      await token(service).expect(429);
    });

    it('counts a request once when it is judged again because its client changed under it', async () => {
      const changing = await seedClient(planes, tenant.id, { grantTypes: ['client_credentials'], scopes: ['api:read'] });
      await token(changing).expect(200);
      // The process keeps the client as read; the rename makes that copy outdated, so the next
      // grant's statement refuses it and the grant is judged again on a fresh read.
      await planes.orm.em.fork().execute(`update oauth_clients set name = 'Renamed' where id = ?`, [changing.clientId]);
      await token(changing).expect(200);
      await token(changing).expect(200);
      await token(changing).expect(429);
    });

    it('counts a public client per client address: a stranger with its client_id spends only their own allowance', async () => {
      const browserApp = await seedClient(planes, tenant.id, { type: 'public' });
      const refresh = (ip: string) =>
        request(planes.auth.getHttpServer()).post('/t/limited-co/token').type('form').set('X-Forwarded-For', ip)
          .send({ grant_type: 'refresh_token', client_id: browserApp.clientId, refresh_token: 'not-a-token' });
      for (let attempt = 0; attempt < 3; attempt++) await refresh('203.0.113.50').expect(400);
      await refresh('203.0.113.50').expect(429);
      // Another user of the same app, elsewhere, is not affected.
      await refresh('203.0.113.51').expect(400);
    });

    it('admits exactly the limit when many requests arrive at once, on two replicas sharing the database', async () => {
      // Concurrent hits on one bucket go to PostgreSQL in batches (one statement per batch per
      // replica): the batch must admit only what is left, whatever the interleaving.
      const burst = await seedClient(planes, tenant.id, { grantTypes: ['client_credentials'], scopes: ['api:read'] });
      const replica = await startTestPlanes(database.url, LOW_LIMITS);
      replica.clock.advance(planes.clock.now().getTime() - Date.now());
      try {
        const send = (app: TestPlanes) => request(app.auth.getHttpServer()).post('/t/limited-co/token').type('form').auth(burst.clientId, burst.clientSecret!).send({ grant_type: 'client_credentials' });
        const answers = await Promise.all(Array.from({ length: 24 }, (_, index) => send(index % 2 === 0 ? planes : replica)));
        const statuses = answers.map((answer) => answer.status).sort();
        expect(statuses.filter((status) => status === 200)).toHaveLength(3);
        expect(statuses.filter((status) => status === 429)).toHaveLength(21);
        // 3 per minute, all spent at once: the next one is admitted 20 seconds later.
        for (const refused of answers.filter((answer) => answer.status === 429)) expect(refused.headers['retry-after']).toBe('20');
      } finally {
        await replica.close();
      }
    });
  });

  describe('token endpoint, a busy client (hits reserved ahead)', () => {
    /** Records the hits each rate-limit statement of `app` asks for, holding the first one until `release` is called. */
    const watchCounts = (app: TestPlanes) => {
      const sql = (app.auth.get(RateLimiter) as unknown as { sql: Sql }).sql;
      const original = sql.rows.bind(sql);
      const requested: number[] = [];
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      jest.spyOn(sql, 'rows').mockImplementation(async (text: string, params: readonly unknown[]) => {
        if (!text.includes('rate_limit_buckets')) return original(text, params);
        requested.push(Number(params[4]));
        if (requested.length === 1) await held;
        return original(text, params);
      });
      return { requested, release };
    };

    const startPair = async (tokenLimit: string) => {
      const limits = { ...LOW_LIMITS, OPENTRUSTY_RATE_LIMIT_TOKEN_PER_CLIENT: tokenLimit };
      const pair = await Promise.all([startTestPlanes(database.url, limits), startTestPlanes(database.url, limits)]);
      // Frozen together: no refill, and no reservation runs out while the test runs.
      const at = Date.now();
      for (const app of pair) app.clock.freeze(at);
      return pair;
    };

    const grant = (app: TestPlanes, client: SeededClient) =>
      request(app.auth.getHttpServer()).post('/t/limited-co/token').type('form').auth(client.clientId, client.clientSecret!).send({ grant_type: 'client_credentials' });

    it('admits the requests that follow a concurrent batch from what that batch reserved, without a statement each', async () => {
      const busy = await seedClient(planes, tenant.id, { grantTypes: ['client_credentials'], scopes: ['api:read'] });
      const [app, other] = await startPair('6000/1s');
      try {
        const counts = watchCounts(app);
        const batch = Array.from({ length: 20 }, () => grant(app, busy));
        // The first request's statement is held while the others queue behind it.
        await new Promise((resolve) => setTimeout(resolve, 300));
        counts.release();
        for (const answer of await Promise.all(batch)) expect(answer.status).toBe(200);
        expect(counts.requested[0]).toBe(1);
        // The queued requests asked for one fewer hits than themselves beyond their own.
        expect(counts.requested.slice(1).some((hits) => hits > 2)).toBe(true);

        const afterBatch = counts.requested.length;
        for (let next = 0; next < 10; next++) await grant(app, busy).expect(200);
        // Without reservations: 10 statements. With any hit left, at most one statement per two requests.
        expect(counts.requested.length - afterBatch).toBeLessThanOrEqual(5);
      } finally {
        await Promise.all([app.close(), other.close()]);
      }
    });

    it('never admits more than the limit across two replicas, and refuses at most the hits left reserved', async () => {
      const busy = await seedClient(planes, tenant.id, { grantTypes: ['client_credentials'], scopes: ['api:read'] });
      // 40 a second: each replica may reserve up to 4 hits.
      const pair = await startPair('40/1s');
      try {
        const answers = await Promise.all(Array.from({ length: 100 }, (_, index) => grant(pair[index % 2]!, busy)));
        const admitted = answers.filter((answer) => answer.status === 200).length;
        expect(admitted).toBeLessThanOrEqual(40);
        expect(admitted).toBeGreaterThanOrEqual(40 - 2 * 4);
        for (const refused of answers.filter((answer) => answer.status !== 200)) {
          expect(refused.status).toBe(429);
          expect(refused.headers['retry-after']).toBe('1');
        }
      } finally {
        await Promise.all(pair.map((app) => app.close()));
      }
    });
  });

  describe('admin API, per caller', () => {
    it('counts each authenticated caller separately; sign-in itself is not counted here', async () => {
      const first = await seedUser(planes, tenant, 'first@limited.example', ['tenant_admin']);
      const second = await seedUser(planes, tenant, 'second@limited.example', ['tenant_admin']);
      const firstSession = await AdminSession.signIn(planes, { ...first, tenantSlug: 'limited-co' });
      const secondSession = await AdminSession.signIn(planes, { ...second, tenantSlug: 'limited-co' });
      for (let call = 0; call < 5; call++) await firstSession.get(`/api/v1/tenants/${tenant.id}/users`).expect(200);

      const refused = await firstSession.get('/api/v1/auth/me').expect(429);
      expect(refused.body).toMatchObject({ code: 'rate_limited', status: 429 });
      expect(refused.headers['retry-after']).toBe('12');
      await secondSession.get('/api/v1/auth/me').expect(200);
      // Unauthenticated requests are refused before any counting.
      await request(planes.admin.getHttpServer()).get('/api/v1/auth/me').expect(401);
    });
  });
});

describe('rate limits across two server processes at the documented defaults', () => {
  let database: TestDatabase;
  const servers: { run: CliRun; origin: string }[] = [];

  beforeAll(async () => {
    database = await createMigratedDatabase();
    const key = randomBytes(32).toString('base64');
    for (let index = 0; index < 2; index++) {
      const [authPort, adminPort] = [await freePort(), await freePort()];
      const run = startCli(['serve', '--plane', 'admin'], {
        OPENTRUSTY_DATABASE_URL: database.url,
        OPENTRUSTY_KEY_ENCRYPTION_KEY: key,
        OPENTRUSTY_AUTH_PORT: String(authPort),
        OPENTRUSTY_ADMIN_PORT: String(adminPort),
        OPENTRUSTY_LOG_LEVEL: 'warn',
        OPENTRUSTY_PURGE_INTERVAL_MINUTES: '0',
      });
      servers.push({ run, origin: `http://127.0.0.1:${adminPort}` });
    }
    for (const server of servers) await waitForStatus(`${server.origin}/health/ready`, 200);
  });

  afterAll(async () => {
    for (const { run } of servers) {
      run.child.kill('SIGTERM');
      await run.exited;
    }
    await database.drop();
  });

  const attempt = (index: number, email: string) =>
    fetch(`${servers[index % 2]!.origin}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'nowhere', email, password: 'wrong-password' }),
    });

  /** Attempts until the first 429, alternating between the processes; how many were answered before it. */
  async function admittedBeforeRefusal(emailOf: (index: number) => string, ceiling: number): Promise<{ admitted: number; seconds: number; retryAfter: string | null }> {
    const started = Date.now();
    for (let index = 0; index < ceiling; index++) {
      const response = await attempt(index, emailOf(index));
      if (response.status === 429) return { admitted: index, seconds: (Date.now() - started) / 1000, retryAfter: response.headers.get('retry-after') };
      expect(response.status).toBe(401);
    }
    throw new Error(`no 429 after ${ceiling} attempts`);
  }

  // Both limits count every attempt from this address: the first test's attempts count for the second.
  let addressAttempts = 0;
  let firstAttemptAt = 0;

  it('10 sign-in attempts per account per minute, counted together by both processes', async () => {
    firstAttemptAt = Date.now();
    const { admitted, seconds, retryAfter } = await admittedBeforeRefusal(() => 'shared@nowhere.example', 30);
    addressAttempts = admitted + 1;
    // The allowance refills at one attempt every 6 seconds while the test runs.
    expect(admitted).toBeGreaterThanOrEqual(10);
    expect(admitted).toBeLessThanOrEqual(10 + Math.floor(seconds / 6));
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(6);
  });

  it('60 sign-in attempts per address per minute, counted together by both processes', async () => {
    const { admitted, retryAfter } = await admittedBeforeRefusal((index) => `user-${index}@nowhere.example`, 300);
    const total = addressAttempts + admitted;
    // The allowance refills at one attempt per second from the first attempt on.
    expect(total).toBeGreaterThanOrEqual(60);
    expect(total).toBeLessThanOrEqual(60 + Math.ceil((Date.now() - firstAttemptAt) / 1000));
    expect(retryAfter).toBe('1');
  });
});
