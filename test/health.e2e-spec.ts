import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startTestPlanes, type TestPlanes } from './support/test-planes.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { createEmptyDatabase, createMigratedDatabase, type TestDatabase } from './support/test-database.js';

const PLANES = ['auth', 'admin'] as const;

describe('health probes', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let planes: TestPlanes;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    proxy = await TcpProxy.start(database.url);
    planes = await startTestPlanes(proxy.rewrite(database.url), { OPENTRUSTY_DATABASE_CONNECT_TIMEOUT_MS: '1000' });
  });

  afterEach(async () => {
    await proxy.restore();
  });

  afterAll(async () => {
    await planes.close();
    await proxy.stop();
    await database.drop();
  });

  it.each(PLANES)('%s plane: live and ready answer 200 with per-check details', async (plane) => {
    const server = planes[plane].getHttpServer();
    await request(server).get('/health/live').expect(200, { status: 'ok' });
    const ready = await request(server).get('/health/ready').expect(200);
    expect(ready.headers['cache-control']).toBe('no-store');
    expect(ready.body).toMatchObject({
      status: 'ok',
      details: { lifecycle: { status: 'up' }, database: { status: 'up' }, migrations: { status: 'up', pending: [] } },
    });
  });

  it('ready turns 503 while the database is unreachable, live stays 200, and both recover when it returns', async () => {
    await proxy.cut();
    for (const plane of PLANES) {
      const server = planes[plane].getHttpServer();
      const ready = await request(server).get('/health/ready').expect(503);
      expect(ready.body).toMatchObject({ status: 'error', details: { database: { status: 'down' } } });
      await request(server).get('/health/live').expect(200, { status: 'ok' });
    }

    await proxy.restore();
    for (const plane of PLANES) await request(planes[plane].getHttpServer()).get('/health/ready').expect(200);
  });

  it('ready answers 503 within its deadline when the database accepts connections but does not answer', async () => {
    await proxy.stall();
    const started = Date.now();
    const ready = await request(planes.admin.getHttpServer()).get('/health/ready').expect(503);
    // Generous bound for a shared machine: the point is that the probe does not hang on the database.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(ready.body.details.database.status).toBe('down');
  });

  it('ready turns 503 once shutdown begins, while live stays 200', async () => {
    const planesForShutdown = await startTestPlanes(database.url);
    try {
      planesForShutdown.lifecycle.beginShutdown();
      for (const plane of PLANES) {
        const server = planesForShutdown[plane].getHttpServer();
        const ready = await request(server).get('/health/ready').expect(503);
        expect(ready.body.details.lifecycle).toEqual({ status: 'down', message: 'shutting down' });
        await request(server).get('/health/live').expect(200);
      }
    } finally {
      await planesForShutdown.close();
    }
  });
});

describe('health probes on a database with pending migrations', () => {
  let database: TestDatabase;
  let planes: TestPlanes;

  beforeAll(async () => {
    database = await createEmptyDatabase();
    planes = await startTestPlanes(database.url);
  });

  afterAll(async () => {
    await planes.close();
    await database.drop();
  });

  it('ready is 503 and lists the pending migrations by name', async () => {
    const ready = await request(planes.auth.getHttpServer()).get('/health/ready').expect(503);
    expect(ready.body.details.database.status).toBe('up');
    expect(ready.body.details.migrations.status).toBe('down');
    expect(ready.body.details.migrations.pending).toContain('Migration20261129000000_create_tenants');
  });
});
