import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { startMetricsServer } from '#platform/metrics/metrics-server.js';
import { PASSWORD, seedTenant, seedUser, type SeededTenant } from './support/admin-api.js';
import { freePort, startCli, waitForStatus } from './support/cli-process.js';
import { seedClient, type SeededClient } from './support/oauth-clients.js';
import { createMigratedDatabase, type TestDatabase } from './support/test-database.js';
import { startTestPlanes, type TestPlanes } from './support/test-planes.js';

/** One sample of a Prometheus text exposition: `name{labels} value`. */
interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample with this name whose labels include `labels`; 0 when there is none. */
function valueOf(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value ?? 0;
}

describe('metrics (SPEC §8)', () => {
  let database: TestDatabase;
  let planes: TestPlanes;
  let server: Server;
  let metricsUrl: string;
  let tenant: SeededTenant;
  let service: SeededClient;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startTestPlanes(database.url);
    const port = await freePort();
    server = await startMetricsServer(planes.metrics, port, '127.0.0.1');
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    tenant = await seedTenant(planes, 'metrics-co');
    await seedUser(planes, tenant, 'ada@metrics.example', ['tenant_admin']);
    service = await seedClient(planes, tenant.id, { grantTypes: ['client_credentials'], scopes: ['api:read'] });
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await planes.close();
    await database.drop();
  });

  const scrape = async (): Promise<Sample[]> => {
    const response = await fetch(metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(await response.text());
  };

  it('counts requests and their latency under the route pattern, never the raw path', async () => {
    const before = await scrape();
    const route = '/t/:slug/.well-known/openid-configuration';
    const counted = { plane: 'auth', method: 'GET', route, status: '200' };
    await request(planes.auth.getHttpServer()).get('/t/metrics-co/.well-known/openid-configuration').expect(200);
    await request(planes.auth.getHttpServer()).get('/t/metrics-co/.well-known/openid-configuration').expect(200);
    await request(planes.auth.getHttpServer()).get('/no/such/path/a1b2c3').expect(404);

    const after = await scrape();
    expect(valueOf(after, 'opentrusty_http_requests_total', counted) - valueOf(before, 'opentrusty_http_requests_total', counted)).toBe(2);
    const histogramCount = { plane: 'auth', method: 'GET', route };
    expect(valueOf(after, 'opentrusty_http_request_duration_seconds_count', histogramCount) - valueOf(before, 'opentrusty_http_request_duration_seconds_count', histogramCount)).toBe(2);
    expect(valueOf(after, 'opentrusty_http_request_duration_seconds_bucket', { ...histogramCount, le: '+Inf' })).toBeGreaterThanOrEqual(2);
    expect(valueOf(after, 'opentrusty_http_requests_total', { plane: 'auth', route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
    const routes = new Set(after.filter((sample) => sample.name === 'opentrusty_http_requests_total').map((sample) => sample.labels.route!));
    expect([...routes].filter((label) => label.includes('metrics-co') || label.includes('a1b2c3'))).toEqual([]);
  });

  it('counts sign-ins by outcome and times every password hash operation', async () => {
    const before = await scrape();
    const admin = request(planes.admin.getHttpServer());
    await admin.post('/api/v1/auth/login').send({ tenant: 'metrics-co', email: 'ada@metrics.example', password: PASSWORD }).expect(200);
    await admin.post('/api/v1/auth/login').send({ tenant: 'metrics-co', email: 'ada@metrics.example', password: 'not-the-password' }).expect(401);
    await admin.post('/api/v1/auth/login').send({ tenant: 'metrics-co', email: 'nobody@metrics.example', password: 'not-the-password' }).expect(401);

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(delta('opentrusty_logins_total', { plane: 'admin', outcome: 'success' })).toBe(1);
    expect(delta('opentrusty_logins_total', { plane: 'admin', outcome: 'failure' })).toBe(2);
    // Three verifications: the unknown account is checked against a decoy hash so it takes as long.
    expect(delta('opentrusty_password_hash_duration_seconds_count', { operation: 'verify' })).toBe(3);
    expect(delta('opentrusty_password_hash_duration_seconds_sum', { operation: 'verify' })).toBeGreaterThan(0);
  });

  it('counts tokens issued by grant type, and not refused requests', async () => {
    const before = await scrape();
    const token = () => request(planes.auth.getHttpServer()).post('/t/metrics-co/token').type('form');
    await token().auth(service.clientId, service.clientSecret!).send({ grant_type: 'client_credentials' }).expect(200);
    await token().auth(service.clientId, 'wrong-secret').send({ grant_type: 'client_credentials' }).expect(401);

    const after = await scrape();
    const labels = { grant_type: 'client_credentials' };
    expect(valueOf(after, 'opentrusty_tokens_issued_total', labels) - valueOf(before, 'opentrusty_tokens_issued_total', labels)).toBe(1);
  });

  it('reports the database pool and the process, and answers only GET /metrics', async () => {
    const samples = await scrape();
    expect(valueOf(samples, 'opentrusty_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
    expect(samples.some((sample) => sample.name === 'opentrusty_db_pool_connections' && sample.labels.state === 'waiting')).toBe(true);
    expect(valueOf(samples, 'opentrusty_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(samples.some((sample) => sample.name.startsWith('opentrusty_nodejs_eventloop_lag'))).toBe(true);

    expect((await fetch(metricsUrl.replace('/metrics', '/'))).status).toBe(404);
    expect((await fetch(metricsUrl, { method: 'POST' })).status).toBe(404);
  });

  it('`opentrusty serve` exposes /metrics on OPENTRUSTY_METRICS_PORT and not on the planes', async () => {
    const served = await createMigratedDatabase();
    const [authPort, adminPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    const run = startCli(['serve'], {
      OPENTRUSTY_DATABASE_URL: served.url,
      OPENTRUSTY_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      OPENTRUSTY_AUTH_PORT: String(authPort),
      OPENTRUSTY_ADMIN_PORT: String(adminPort),
      OPENTRUSTY_METRICS_PORT: String(metricsPort),
    });
    try {
      await waitForStatus(`http://127.0.0.1:${authPort}/health/ready`, 200);
      const samples = parseExposition(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text());
      expect(valueOf(samples, 'opentrusty_http_requests_total', { plane: 'auth', route: '/health/ready', status: '200' })).toBeGreaterThanOrEqual(1);
      expect((await fetch(`http://127.0.0.1:${authPort}/metrics`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${adminPort}/metrics`)).status).toBe(404);
    } finally {
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      await served.drop();
    }
  });
});
