import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { concretePath, routesOf } from './support/routes.js';
import { startTestPlanes, type TestPlanes } from './support/test-planes.js';
import { createMigratedDatabase, type TestDatabase } from './support/test-database.js';

describe('the two planes', () => {
  let database: TestDatabase;
  let planes: TestPlanes;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startTestPlanes(database.url, { OPENTRUSTY_BODY_LIMIT_BYTES: '2048' });
  });

  afterAll(async () => {
    await planes.close();
    await database.drop();
  });

  describe('separation', () => {
    const shared = (path: string) => path.startsWith('/health/');

    it('serves the probes on both planes', () => {
      for (const plane of [planes.auth, planes.admin]) {
        expect(routesOf(plane)).toEqual(expect.arrayContaining([{ method: 'GET', path: '/health/live' }, { method: 'GET', path: '/health/ready' }]));
      }
    });

    it('answers 404 on the auth plane for every admin-plane route', async () => {
      const adminRoutes = routesOf(planes.admin).filter((route) => !shared(route.path));
      expect(adminRoutes).toContainEqual({ method: 'GET', path: '/api/v1' });
      for (const route of adminRoutes) {
        const response = await request(planes.auth.getHttpServer())[route.method.toLowerCase() as 'get'](concretePath(route.path));
        expect({ route, status: response.status }).toEqual({ route, status: 404 });
      }
    });

    it('answers 404 on the admin plane for every auth-plane route', async () => {
      const authRoutes = routesOf(planes.auth).filter((route) => !shared(route.path));
      for (const route of authRoutes) {
        const response = await request(planes.admin.getHttpServer())[route.method.toLowerCase() as 'get'](concretePath(route.path));
        expect({ route, status: response.status }).toEqual({ route, status: 404 });
      }
      // Whatever the auth plane serves lives under a tenant issuer or .well-known: the admin plane has none of it.
      for (const path of ['/t/acme/.well-known/openid-configuration', '/.well-known/oauth-authorization-server/t/acme', '/t/acme/token']) {
        await request(planes.admin.getHttpServer()).get(path).expect(404);
      }
    });
  });

  describe('admin plane errors (problem+json)', () => {
    it('answers an unknown route with 404 problem details', async () => {
      const response = await request(planes.admin.getHttpServer()).get('/api/v1/nothing-here').expect(404);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).toEqual({
        type: 'urn:opentrusty:problem:not_found',
        title: 'Not Found',
        status: 404,
        detail: 'No such resource.',
        code: 'not_found',
        request_id: response.headers['x-request-id'],
      });
    });

    it('answers malformed JSON with 400 malformed_body and no parser internals', async () => {
      const response = await request(planes.admin.getHttpServer()).post('/api/v1').set('Content-Type', 'application/json').send('{"a": ').expect(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ status: 400, code: 'malformed_body' });
      expect(JSON.stringify(response.body)).not.toMatch(/Unexpected|SyntaxError|at /);
    });

    it('answers an oversized body with 413 before any route runs', async () => {
      const response = await request(planes.admin.getHttpServer())
        .post('/api/v1')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ padding: 'x'.repeat(4096) }))
        .expect(413);
      expect(response.body).toMatchObject({ status: 413, code: 'payload_too_large' });
    });

    it('answers an unsupported charset with 415', async () => {
      const response = await request(planes.admin.getHttpServer()).post('/api/v1').set('Content-Type', 'application/json; charset=latin-9000').send('{}');
      expect(response.status).toBe(415);
      expect(response.body.code).toBe('unsupported_media_type');
    });
  });

  describe('auth plane errors (OAuth JSON)', () => {
    it('answers an unknown route with 404 in the OAuth error shape', async () => {
      const response = await request(planes.auth.getHttpServer()).get('/t/acme/nothing').expect(404);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body).toEqual({ error: 'not_found', error_description: 'No such resource.' });
    });

    it('answers a malformed form body with invalid_request', async () => {
      const response = await request(planes.auth.getHttpServer())
        .post('/t/acme/token')
        .set('Content-Type', 'application/x-www-form-urlencoded; charset=unknown-9')
        .send('a=b');
      expect(response.status).toBe(415);
      expect(response.body.error).toBe('invalid_request');
    });
  });

  describe('malformed HTTP rejected before routing', () => {
    async function rawExchange(server: import('node:http').Server, request: string): Promise<string> {
      await new Promise<void>((resolve) => (server.listening ? resolve() : server.listen(0, '127.0.0.1', resolve)));
      const { port } = server.address() as { port: number };
      const { connect } = await import('node:net');
      return new Promise((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.write(request));
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
      });
    }

    it('answers an oversized request line with 431 in each plane’s error format', async () => {
      const long = `/api/v1/${'a'.repeat(20_000)}`;
      const admin = await rawExchange(planes.admin.getHttpServer(), `GET ${long} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(admin).toMatch(/^HTTP\/1\.1 431 /);
      expect(admin).toContain('Content-Type: application/problem+json');
      expect(JSON.parse(admin.slice(admin.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 431, code: 'headers_too_large' });
      const auth = await rawExchange(planes.auth.getHttpServer(), `GET ${long} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(JSON.parse(auth.slice(auth.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: 'invalid_request' });
    });

    it('answers broken HTTP syntax with 400 problem details', async () => {
      const answer = await rawExchange(planes.admin.getHttpServer(), 'NOT HTTP AT ALL\r\n\r\n');
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 400, code: 'malformed_request' });
    });

    it('never echoes an undecodable path segment', async () => {
      const response = await request(planes.admin.getHttpServer()).get('/api/v1/tenants/%zz').expect(400);
      expect(JSON.stringify(response.body)).not.toContain('%zz');
    });

    it('refuses query parameters and bodies on routes that take none', async () => {
      const query = await request(planes.admin.getHttpServer()).get('/api/v1?debug=1').expect(400);
      expect(query.body).toMatchObject({ code: 'validation_failed', errors: [{ location: 'query', path: 'debug' }] });
      await request(planes.admin.getHttpServer()).get('/api/v1').expect(200);
    });

    it('answers a compressed body that does not inflate with 400, not 500', async () => {
      const response = await request(planes.admin.getHttpServer())
        .post('/api/v1/auth/login')
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'gzip')
        .send(Buffer.from([0x00, 0x01, 0x02]))
        .expect(400);
      expect(response.body.code).toBe('malformed_body');
    });
  });

  describe('request ids and headers', () => {
    it.each(['auth', 'admin'] as const)('%s plane: generates a request id and sends the security headers', async (plane) => {
      const response = await request(planes[plane].getHttpServer()).get('/health/live').expect(200);
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(response.headers).toMatchObject({
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
      });
      expect(response.headers['x-powered-by']).toBeUndefined();
    });

    it('keeps a plain incoming X-Request-Id and replaces a hostile one', async () => {
      const kept = await request(planes.admin.getHttpServer()).get('/health/live').set('X-Request-Id', 'lb-1234.abc:9').expect(200);
      expect(kept.headers['x-request-id']).toBe('lb-1234.abc:9');
      const replaced = await request(planes.admin.getHttpServer()).get('/health/live').set('X-Request-Id', 'evil"}{injected with spaces').expect(200);
      expect(replaced.headers['x-request-id']).not.toContain('evil');
      const tooLong = await request(planes.admin.getHttpServer()).get('/health/live').set('X-Request-Id', 'a'.repeat(200)).expect(200);
      expect(tooLong.headers['x-request-id']).toHaveLength(36);
    });
  });
});
