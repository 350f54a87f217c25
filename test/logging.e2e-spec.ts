import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { connect } from 'node:net';
import request from 'supertest';
import { type ListeningPlanes, startListeningPlanes } from './support/test-planes.js';
import { createMigratedDatabase, type TestDatabase } from './support/test-database.js';

describe('request logging', () => {
  let database: TestDatabase;
  let planes: ListeningPlanes;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startListeningPlanes(database.url);
  });

  afterAll(async () => {
    await planes.close();
    await database.drop();
  });

  const lineFor = (requestId: string) => planes.logs.find((line) => line.request_id === requestId && line.res !== undefined);

  it('writes one JSON line per request with request id, plane, tenant, status and duration', async () => {
    const tenantId = '0193a0e8-0000-7000-8000-0000000000aa';
    const response = await request(planes.admin.getHttpServer()).get(`/api/v1/tenants/${tenantId}/users`).expect(401);
    const line = lineFor(response.headers['x-request-id']!);
    expect(line).toMatchObject({
      level: 'info',
      service: 'opentrusty',
      plane: 'admin',
      tenant: tenantId,
      req: { method: 'GET', path: `/api/v1/tenants/${tenantId}/users` },
      res: { status_code: 401 },
      msg: `GET /api/v1/tenants/${tenantId}/users 401`,
    });
    expect(typeof line?.duration_ms).toBe('number');
    expect(planes.logs.filter((entry) => entry.request_id === response.headers['x-request-id'])).toHaveLength(1);

    const auth = await request(planes.auth.getHttpServer()).get('/t/acme-corp/authorize').expect(404);
    expect(lineFor(auth.headers['x-request-id']!)).toMatchObject({ plane: 'auth', tenant: 'acme-corp' });
  });

  it('never writes headers, cookies, bodies or query values', async () => {
    const secrets = ['Bearer s3cr3t-access-token', 'ot_session=cookie-secret-value', 'eyJhbGciOiJSUzI1NiJ9.hint-token', 'body-password-value'];
    const response = await request(planes.auth.getHttpServer())
      .post(`/t/acme/logout?id_token_hint=${secrets[2]}&state=abc`)
      .set('Authorization', secrets[0]!)
      .set('Cookie', secrets[1]!)
      .type('form')
      .send({ password: secrets[3] })
      .expect(404);
    const line = lineFor(response.headers['x-request-id']!);
    expect(line).toMatchObject({ req: { path: '/t/acme/logout', query_keys: ['id_token_hint', 'state'] } });
    const everything = planes.logs.map((entry) => JSON.stringify(entry)).join('\n');
    for (const secret of secrets) expect(everything).not.toContain(secret.split(' ').pop());
  });

  it('writes one line, marked aborted, for a request the client gave up on in the middle of its body', async () => {
    const { hostname, port } = new URL(planes.authOrigin);
    const requestId = 'abandoned-before-answer-1';
    const socket = connect(Number(port), hostname);
    await once(socket, 'connect');
    // Half a form body: the server is still reading it when the client leaves.
    socket.write(`POST /t/acme/token HTTP/1.1\r\nHost: ${hostname}\r\nX-Request-Id: ${requestId}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    for (let wait = 0; wait < 50 && !planes.logs.some((line) => line.request_id === requestId); wait++) await new Promise((resolve) => setTimeout(resolve, 20));
    const lines = planes.logs.filter((line) => line.request_id === requestId && line.res !== undefined);
    expect(lines).toHaveLength(1);
    // The body parser answers the broken request with 400, which the client never receives.
    expect(lines[0]).toMatchObject({ level: 'warn', aborted: true, res: { status_code: 400 }, msg: 'POST /t/acme/token 400 (aborted)' });
  });

  it('logs healthy probes at debug and failing ones at warn', async () => {
    const ok = await request(planes.auth.getHttpServer()).get('/health/live').expect(200);
    expect(lineFor(ok.headers['x-request-id']!)?.level).toBe('debug');
    planes.lifecycle.beginShutdown();
    const failing = await request(planes.auth.getHttpServer()).get('/health/ready').expect(503);
    expect(lineFor(failing.headers['x-request-id']!)?.level).toBe('warn');
  });
});
