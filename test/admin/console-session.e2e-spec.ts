import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { AdminSession, PASSWORD, seedTenant, seedUser, sessionCookieOf, type SeededTenant, type SeededUser } from '../support/admin-api.js';
import { startTestPlanes, type TestPlanes } from '../support/test-planes.js';
import { createMigratedDatabase, type TestDatabase } from '../support/test-database.js';

describe('console sessions (SPEC §5.3, §6.1)', () => {
  let database: TestDatabase;
  let planes: TestPlanes;
  let tenant: SeededTenant;
  let admin: SeededUser;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startTestPlanes(database.url, { OPENTRUSTY_SESSION_IDLE_TTL_SECONDS: '1800', OPENTRUSTY_SESSION_ABSOLUTE_TTL_SECONDS: '86400' });
    tenant = await seedTenant(planes, 'sessions-co');
    admin = await seedUser(planes, tenant, 'admin@sessions-co.example', ['tenant_admin']);
  });

  afterAll(async () => {
    await planes.close();
    await database.drop();
  });

  const login = (body: object) => request(planes.admin.getHttpServer()).post('/api/v1/auth/login').send(body);

  it('signs in with a session cookie carrying every required attribute', async () => {
    const response = await login({ tenant: tenant.slug, email: admin.email, password: PASSWORD }).expect(200);
    const [cookie] = response.headers['set-cookie'] as unknown as string[];
    expect(cookie).toMatch(/^opentrusty_admin=[A-Za-z0-9_-]{43}; Max-Age=86400; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Strict$/);
    expect(response.body).toMatchObject({ user: { id: admin.id, email: admin.email }, tenant: { id: tenant.id, slug: tenant.slug }, roles: ['tenant_admin'] });
    expect(response.body.csrf_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
