import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { AdminSession, PASSWORD, seedPlatformAdmin, seedTenant, seedUser, sessionCookieOf, type SeededTenant, type SeededUser } from '../support/admin-api.js';
import { startTestPlanes, type TestPlanes } from '../support/test-planes.js';
import { createMigratedDatabase, type TestDatabase } from '../support/test-database.js';

const MINUTE = 60_000;

function setCookies(response: { headers: Record<string, unknown> }): string[] {
  const value = response.headers['set-cookie'];
  return Array.isArray(value) ? (value as string[]) : [];
}

describe('console sessions (SPEC §5.3, §6.1)', () => {
  let database: TestDatabase;
  let planes: TestPlanes;
  let tenant: SeededTenant;
  let admin: SeededUser;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startTestPlanes(database.url);
    tenant = await seedTenant(planes, 'sessions-co');
    admin = await seedUser(planes, tenant, 'admin@sessions-co.example', ['tenant_admin']);
  });

  afterAll(async () => {
    await planes.close();
    await database.drop();
  });

  const server = () => planes.admin.getHttpServer();
  const login = (body: object, cookie?: string) => {
    const test = request(server()).post('/api/v1/auth/login');
    return (cookie ? test.set('Cookie', cookie) : test).send(body);
  };
  const me = (cookie: string) => request(server()).get('/api/v1/auth/me').set('Cookie', cookie);
  const sessionRows = async (userId: string) => {
    const rows = await planes.orm.em.fork().getConnection().execute<{ n: number }[]>('select count(*)::int as n from sessions where user_id = ?', [userId]);
    return rows[0]!.n;
  };

  it('signs in with a session cookie carrying every required attribute', async () => {
    const response = await login({ tenant: tenant.slug, email: admin.email, password: PASSWORD }).expect(200);
    const [cookie] = setCookies(response);
    expect(setCookies(response)).toHaveLength(1);
    expect(cookie).toMatch(/^opentrusty_admin=[A-Za-z0-9_-]{43}; Max-Age=86400; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Strict$/);
    expect(response.body).toMatchObject({ user: { id: admin.id, email: admin.email }, tenant: { id: tenant.id, slug: tenant.slug }, roles: ['tenant_admin'] });
    expect(response.body.csrf_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(response.body)).not.toContain(cookie!.split(';')[0]!.split('=')[1]);
  });

  it('matches emails case-insensitively after trimming', async () => {
    await login({ tenant: tenant.slug, email: `  ${admin.email.toUpperCase()} `, password: PASSWORD }).expect(200);
  });

  it('stores only the hash of the session token', async () => {
    const response = await login({ tenant: tenant.slug, email: admin.email, password: PASSWORD }).expect(200);
    const token = sessionCookieOf(response.headers['set-cookie']).split('=')[1]!;
    const rows = await planes.orm.em.fork().getConnection().execute<{ token_hash: string }[]>('select token_hash from sessions where user_id = ?', [admin.id]);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.token_hash).not.toContain(token);
    }
  });

  it('rotates the session on sign-in: the session presented at login stops working', async () => {
    const first = await AdminSession.signIn(planes, admin);
    await me(first.cookie).expect(200);
    const second = await login({ tenant: tenant.slug, email: admin.email, password: PASSWORD }, first.cookie).expect(200);
    const rotated = sessionCookieOf(second.headers['set-cookie']);
    expect(rotated).not.toEqual(first.cookie);
    expect(second.body.csrf_token).not.toEqual(first.csrfToken);
    await me(first.cookie).expect(401);
    await me(rotated).expect(200);
  });

  it('returns the session’s CSRF token from /auth/me and refuses unsafe requests without it', async () => {
    const session = await AdminSession.signIn(planes, admin);
    const response = await session.get('/api/v1/auth/me').expect(200);
    expect(response.body.csrf_token).toBe(session.csrfToken);
    await request(server()).post('/api/v1/auth/logout').set('Cookie', session.cookie).expect(403);
    const wrong = await request(server()).post('/api/v1/auth/logout').set('Cookie', session.cookie).set('X-CSRF-Token', 'x'.repeat(43)).expect(403);
    expect(wrong.body.code).toBe('csrf_token_invalid');
    await session.get('/api/v1/auth/me').expect(200);
  });

  it('logs out: deletes the session and clears the cookie with the same attributes', async () => {
    const session = await AdminSession.signIn(planes, admin);
    const before = await sessionRows(admin.id);
    const response = await session.post('/api/v1/auth/logout').expect(204);
    const [cleared] = setCookies(response);
    expect(cleared).toMatch(/^opentrusty_admin=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict$/);
    expect(await sessionRows(admin.id)).toBe(before - 1);
    await session.get('/api/v1/auth/me').expect(401);
  });

  it('ends a session after 30 idle minutes, and slides the deadline while it is used', async () => {
    const session = await AdminSession.signIn(planes, admin);
    planes.clock.advance(20 * MINUTE);
    await session.get('/api/v1/auth/me').expect(200);
    planes.clock.advance(20 * MINUTE);
    await session.get('/api/v1/auth/me').expect(200); // 40 minutes after sign-in, 20 after the last use
    planes.clock.advance(31 * MINUTE);
    const expired = await session.get('/api/v1/auth/me').expect(401);
    expect(expired.body.code).toBe('unauthenticated');
  });

  it('ends a session 24 hours after sign-in even when it is used all the time', async () => {
    const session = await AdminSession.signIn(planes, admin);
    // 57 uses 25 minutes apart: 23 h 45 min after sign-in, never idle for long.
    for (let use = 0; use < 57; use++) {
      planes.clock.advance(25 * MINUTE);
      await session.get('/api/v1/auth/me').expect(200);
    }
    planes.clock.advance(14 * MINUTE); // 23 h 59 min
    await session.get('/api/v1/auth/me').expect(200);
    planes.clock.advance(2 * MINUTE); // 24 h 01 min
    await session.get('/api/v1/auth/me').expect(401);
  });

  it('uses the __Host- prefix and Secure when the admin plane is served over https', async () => {
    const secure = await startTestPlanes(database.url, { OPENTRUSTY_ADMIN_PUBLIC_URL: 'https://admin.example.com' });
    // A second replica on the same database keeps the same time as the first (whose clock the
    // expiry tests moved forward): the shared rate-limit buckets are written in that time.
    secure.clock.advance(planes.clock.now().getTime() - Date.now());
    try {
      const response = await request(secure.admin.getHttpServer()).post('/api/v1/auth/login').send({ tenant: tenant.slug, email: admin.email, password: PASSWORD }).expect(200);
      const [cookie] = setCookies(response);
      expect(cookie).toMatch(/^__Host-opentrusty_admin=[A-Za-z0-9_-]{43}; Max-Age=86400; Path=\/; Expires=[^;]+; HttpOnly; Secure; SameSite=Strict$/);
      const out = await request(secure.admin.getHttpServer())
        .post('/api/v1/auth/logout')
        .set('Cookie', cookie!.split(';')[0]!)
        .set('X-CSRF-Token', response.body.csrf_token)
        .expect(204);
      expect(setCookies(out)[0]).toMatch(/^__Host-opentrusty_admin=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Strict$/);
    } finally {
      await secure.close();
    }
  });

  it('stops accepting a session once its user is disabled, its password reset, or its tenant suspended', async () => {
    const target = await seedUser(planes, tenant, 'target@sessions-co.example', ['tenant_admin']);
    const owner = await AdminSession.signIn(planes, tenant.owner);

    let session = await AdminSession.signIn(planes, target);
    await owner.put(`/api/v1/tenants/${tenant.id}/users/${target.id}/password`, { password: PASSWORD }).expect(204);
    await session.get('/api/v1/auth/me').expect(401);

    session = await AdminSession.signIn(planes, target);
    await owner.patch(`/api/v1/tenants/${tenant.id}/users/${target.id}`, { status: 'disabled' }).expect(200);
    await session.get('/api/v1/auth/me').expect(401);
    await login({ tenant: tenant.slug, email: target.email, password: PASSWORD }).expect(401);

    const other = await seedTenant(planes, 'suspended-co');
    const otherOwner = await AdminSession.signIn(planes, other.owner);
    const operator = await AdminSession.signIn(planes, await seedPlatformAdmin(planes));
    await operator.patch(`/api/v1/tenants/${other.id}`, { status: 'suspended' }).expect(200);
    await otherOwner.get('/api/v1/auth/me').expect(401);
    await login({ tenant: other.slug, email: other.owner.email, password: PASSWORD }).expect(401);
    await operator.patch(`/api/v1/tenants/${other.id}`, { status: 'active' }).expect(200);
    await login({ tenant: other.slug, email: other.owner.email, password: PASSWORD }).expect(200);
  });

  it('lists a user’s sessions without any token, and ends them all', async () => {
    const target = await seedUser(planes, tenant, 'listed@sessions-co.example', ['tenant_admin']);
    const mine = await AdminSession.signIn(planes, target);
    await AdminSession.signIn(planes, target);
    const owner = await AdminSession.signIn(planes, tenant.owner);
    const listed = await owner.get(`/api/v1/tenants/${tenant.id}/users/${target.id}/sessions`).expect(200);
    expect(listed.body.items).toHaveLength(2);
    expect(Object.keys(listed.body.items[0]).sort()).toEqual(['created_at', 'expires_at', 'id', 'ip', 'last_seen_at', 'plane', 'user_agent']);
    expect(JSON.stringify(listed.body)).not.toContain(mine.cookie.split('=')[1]);
    await owner.delete(`/api/v1/tenants/${tenant.id}/users/${target.id}/sessions`).expect(204);
    await mine.get('/api/v1/auth/me').expect(401);
    expect((await owner.get(`/api/v1/tenants/${tenant.id}/users/${target.id}/sessions`).expect(200)).body.items).toEqual([]);
  });
});
