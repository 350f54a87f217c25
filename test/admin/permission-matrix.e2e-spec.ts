import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RequestContext } from '@mikro-orm/core';
import request, { type Response, type Test } from 'supertest';
import { RoleAssignmentRepository } from '#access/role-assignment.repository.js';
import { AdminSession, PASSWORD, seedPlatformAdmin, seedTenant, seedUser, sessionCookieOf, type SeededTenant, type SeededUser } from '../support/admin-api.js';
import { concretePath, routesOf } from '../support/routes.js';
import { startTestPlanes, type TestPlanes } from '../support/test-planes.js';
import { createMigratedDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * The capability matrix of SPEC §3, cell by cell, through the admin API (SPEC §6.1, §6.2): for
 * each row an allowed caller (status, then the resulting state) and a denied one (status, code,
 * and nothing changed). Members cannot sign in to the admin plane, so their cells are the login
 * row. OAuth clients, keys and audit events are not served yet and are not tested here.
 */

const NEW_PASSWORD = 'another-long-passphrase';
const WRONG_PASSWORD = 'not-the-password';
const API = '/api/v1';

type Caller = 'platform_admin' | 'tenant_owner' | 'tenant_admin';
type TenantCaller = 'tenant_owner' | 'tenant_admin';
const TENANT_CALLERS: TenantCaller[] = ['tenant_owner', 'tenant_admin'];

let sequence = 0;
/** A name no other test uses (slugs and email local parts). */
const unique = (prefix: string) => `${prefix}-${++sequence}`;

function expectProblem(response: Response, status: number, code: string): void {
  expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
}

describe('permission matrix of SPEC §3 on the admin plane', () => {
  let database: TestDatabase;
  let planes: TestPlanes;
  /** A platform administrator holding no tenant role (bootstrap's first one also owns the operator tenant). */
  let platformAdmin: SeededUser;
  let operatorTenant: { id: string; slug: string };
  /** The tenant whose users the owner and admin manage, and another tenant. */
  let acme: SeededTenant;
  let acmeAdmin: SeededUser;
  let globex: SeededTenant;
  const sessions = {} as Record<Caller, AdminSession> & { globexOwner: AdminSession };

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startTestPlanes(database.url);
    const root = await seedPlatformAdmin(planes);
    operatorTenant = { id: root.tenantId, slug: root.tenantSlug };
    platformAdmin = await extraPlatformAdmin();
    acme = await seedTenant(planes, 'acme');
    acmeAdmin = await seedUser(planes, acme, 'admin@acme.example', ['tenant_admin']);
    globex = await seedTenant(planes, 'globex');
    sessions.platform_admin = await AdminSession.signIn(planes, platformAdmin);
    sessions.tenant_owner = await AdminSession.signIn(planes, acme.owner);
    sessions.tenant_admin = await AdminSession.signIn(planes, acmeAdmin);
    sessions.globexOwner = await AdminSession.signIn(planes, globex.owner);
  });

  afterAll(async () => {
    await planes?.close();
    await database?.drop();
  });

  const api = () => request(planes.admin.getHttpServer());
  const login = (user: Pick<SeededUser, 'tenantSlug' | 'email'>, password: string) => api().post(`${API}/auth/login`).send({ tenant: user.tenantSlug, email: user.email, password });

  /** A user of acme with the given roles, made for one test only. */
  const acmeUser = (roles: ('tenant_admin' | 'tenant_member')[] = ['tenant_member']) => seedUser(planes, acme, `${unique('user')}@acme.example`, roles);

  /** A tenant of its own, for tests that delete, suspend or transfer it. */
  async function freshTenant(): Promise<{ tenant: SeededTenant; owner: AdminSession; admin: SeededUser; adminSession: AdminSession; member: SeededUser }> {
    const tenant = await seedTenant(planes, unique('tenant'));
    const admin = await seedUser(planes, tenant, `admin@${tenant.slug}.example`, ['tenant_admin']);
    const member = await seedUser(planes, tenant, `member@${tenant.slug}.example`, ['tenant_member']);
    return { tenant, owner: await AdminSession.signIn(planes, tenant.owner), admin, adminSession: await AdminSession.signIn(planes, admin), member };
  }

  /** Another platform administrator in the operator tenant (bootstrap makes only the first). */
  async function extraPlatformAdmin(): Promise<SeededUser> {
    const user = await seedUser(planes, operatorTenant, `${unique('root')}@operator.example`, []);
    await RequestContext.create(planes.orm.em, () => planes.admin.get(RoleAssignmentRepository).assign('platform_admin', { userId: user.id, tenantId: null }));
    return user;
  }

  /** A user of the given kind, made for one test (its password may change). */
  function freshCaller(caller: Caller): Promise<SeededUser> {
    if (caller === 'platform_admin') return extraPlatformAdmin();
    if (caller === 'tenant_admin') return acmeUser(['tenant_admin']);
    return freshTenant().then(({ tenant }) => tenant.owner);
  }

  /** A user as its tenant's owner sees it (the reference view for state checks). */
  function ownerRead(tenantId: string, userId: string): Test {
    const reader = tenantId === acme.id ? sessions.tenant_owner : tenantId === globex.id ? sessions.globexOwner : undefined;
    if (!reader) throw new Error('ownerRead: no owner session for that tenant');
    return reader.get(`${API}/tenants/${tenantId}/users/${userId}`);
  }
  const readTenant = (tenantId: string) => sessions.platform_admin.get(`${API}/tenants/${tenantId}`);
  /** The password hashes of a tenant's users, which the API never shows (to see that no password changed). */
  const passwordHashesOf = (tenantId: string) =>
    planes.orm.em.getConnection().execute('select u.id, c.hash from users u left join password_credentials c on c.user_id = u.id where u.tenant_id = ? order by u.id', [tenantId]);
  const usersOf = async (session: AdminSession, tenantId: string) => (await session.get(`${API}/tenants/${tenantId}/users?limit=200`).expect(200)).body.items as { id: string; roles: string[] }[];

  describe('admin plane login: platform_admin, tenant_owner and tenant_admin yes; tenant_member no', () => {
    it.each<Caller>(['platform_admin', 'tenant_owner', 'tenant_admin'])('%s can sign in to the admin plane and use the session', async (caller) => {
      const user = await freshCaller(caller);
      const response = await login(user, PASSWORD).expect(200);
      expect(response.body).toMatchObject({ user: { id: user.id }, tenant: { id: user.tenantId }, roles: [caller] });
      const me = await api().get(`${API}/auth/me`).set('Cookie', sessionCookieOf(response.headers['set-cookie'])).expect(200);
      expect(me.body).toMatchObject({ user: { id: user.id }, roles: [caller] });
    });

    it.each<[string, ('tenant_member' | 'tenant_admin')[]]>([
      ['tenant_member', ['tenant_member']],
      ['a user with no role at all', []],
    ])('%s cannot sign in to the admin plane (403 admin_login_forbidden, no session cookie)', async (_who, roles) => {
      const user = await seedUser(planes, acme, `${unique('nologin')}@acme.example`, roles);
      const response = await login(user, PASSWORD);
      expectProblem(response, 403, 'admin_login_forbidden');
      expect(response.headers['set-cookie']).toBeUndefined();
      // The refusal is about the role, not the password: a wrong password is still a 401.
      expectProblem(await login(user, WRONG_PASSWORD), 401, 'invalid_credentials');
    });
  });

  describe('own profile, own password: platform_admin, tenant_owner and tenant_admin yes', () => {
    const CALLERS: Caller[] = ['platform_admin', 'tenant_owner', 'tenant_admin'];

    it.each(CALLERS)('%s can read its own profile', async (caller) => {
      const user = { platform_admin: platformAdmin, tenant_owner: acme.owner, tenant_admin: acmeAdmin }[caller];
      const response = await sessions[caller].get(`${API}/me`).expect(200);
      expect(response.body).toMatchObject({ user: { id: user.id, email: user.email, tenant_id: user.tenantId }, tenant: { id: user.tenantId } });
      expect(response.body.roles).toContain(caller);
    });

    it.each(CALLERS)('%s can change its own profile', async (caller) => {
      const name = unique(`${caller} renamed`);
      const response = await sessions[caller].patch(`${API}/me`, { name, locale: 'fr-FR' }).expect(200);
      expect(response.body).toMatchObject({ name, locale: 'fr-FR' });
      expect((await sessions[caller].get(`${API}/me`).expect(200)).body.user).toMatchObject({ name, locale: 'fr-FR' });
    });

    it.each(CALLERS)('%s can change its own password (the current session stays, the old password stops working)', async (caller) => {
      const user = await freshCaller(caller);
      const session = await AdminSession.signIn(planes, user);
      await session.put(`${API}/me/password`, { current_password: PASSWORD, new_password: NEW_PASSWORD }).expect(204);
      await session.get(`${API}/me`).expect(200);
      expectProblem(await login(user, PASSWORD), 401, 'invalid_credentials');
      await login(user, NEW_PASSWORD).expect(200);
    });

    it.each(CALLERS)('%s cannot change its own password without the current one (400 current_password_incorrect)', async (caller) => {
      const user = await freshCaller(caller);
      const session = await AdminSession.signIn(planes, user);
      expectProblem(await session.put(`${API}/me/password`, { current_password: WRONG_PASSWORD, new_password: NEW_PASSWORD }), 400, 'current_password_incorrect');
      expectProblem(await login(user, NEW_PASSWORD), 401, 'invalid_credentials');
      await login(user, PASSWORD).expect(200);
    });

    it('tenant_member has no admin-plane profile: a session started before demotion to member is refused (401)', async () => {
      const user = await acmeUser(['tenant_admin']);
      const session = await AdminSession.signIn(planes, user);
      await sessions.tenant_owner.put(`${API}/tenants/${acme.id}/users/${user.id}/roles`, { roles: ['tenant_member'] }).expect(200);
      expectProblem(await session.get(`${API}/me`), 401, 'unauthenticated');
      expectProblem(await session.patch(`${API}/me`, { name: 'Member' }), 401, 'unauthenticated');
      expect((await ownerRead(acme.id, user.id).expect(200)).body.name).toBeNull();
    });
  });

  describe('create/list/suspend/delete tenants: platform_admin yes; tenant_owner and tenant_admin no', () => {
    const newTenantBody = (slug: string) => ({ slug, name: `${slug} Ltd`, owner: { email: `boss@${slug}.example`, password: PASSWORD } });

    it('platform_admin can create a tenant with its owner', async () => {
      const slug = unique('created');
      const response = await sessions.platform_admin.post(`${API}/tenants`, newTenantBody(slug)).expect(201);
      expect(response.body).toMatchObject({ tenant: { slug, name: `${slug} Ltd`, status: 'active' }, owner: { email: `boss@${slug}.example`, roles: ['tenant_owner'] } });
      expect(response.body.owner_initial_password).toBeUndefined();
      expect((await readTenant(response.body.tenant.id).expect(200)).body.slug).toBe(slug);
      const signedIn = await login({ tenantSlug: slug, email: `boss@${slug}.example` }, PASSWORD).expect(200);
      expect(signedIn.body.roles).toEqual(['tenant_owner']);
    });

    it('platform_admin can list tenants', async () => {
      const response = await sessions.platform_admin.get(`${API}/tenants?limit=200`).expect(200);
      const slugs = (response.body.items as { slug: string }[]).map((tenant) => tenant.slug);
      expect(slugs).toEqual(expect.arrayContaining([operatorTenant.slug, acme.slug, globex.slug]));
    });

    it('platform_admin can suspend a tenant (its sessions end, its users cannot sign in) and reactivate it', async () => {
      const { tenant, owner } = await freshTenant();
      const suspended = await sessions.platform_admin.patch(`${API}/tenants/${tenant.id}`, { status: 'suspended' }).expect(200);
      expect(suspended.body).toMatchObject({ id: tenant.id, status: 'suspended' });
      expect((await readTenant(tenant.id).expect(200)).body.status).toBe('suspended');
      expectProblem(await owner.get(`${API}/me`), 401, 'unauthenticated');
      expectProblem(await login(tenant.owner, PASSWORD), 401, 'invalid_credentials');

      await sessions.platform_admin.patch(`${API}/tenants/${tenant.id}`, { status: 'active' }).expect(200);
      await login(tenant.owner, PASSWORD).expect(200);
    });

    it('platform_admin can delete a tenant (soft: it disappears and its sessions end)', async () => {
      const { tenant, owner } = await freshTenant();
      await sessions.platform_admin.delete(`${API}/tenants/${tenant.id}`).expect(204);
      expectProblem(await readTenant(tenant.id), 404, 'tenant_not_found');
      expectProblem(await owner.get(`${API}/me`), 401, 'unauthenticated');
      expectProblem(await login(tenant.owner, PASSWORD), 401, 'invalid_credentials');
    });

    it.each(TENANT_CALLERS)('%s cannot create a tenant (403 forbidden, nothing created)', async (caller) => {
      const slug = unique('refused');
      expectProblem(await sessions[caller].post(`${API}/tenants`, newTenantBody(slug)), 403, 'forbidden');
      const found = await sessions.platform_admin.get(`${API}/tenants?q=${slug}`).expect(200);
      expect(found.body.items).toEqual([]);
    });

    it.each(TENANT_CALLERS)('%s cannot list tenants (403 forbidden)', async (caller) => {
      expectProblem(await sessions[caller].get(`${API}/tenants`), 403, 'forbidden');
    });

    it.each(TENANT_CALLERS.flatMap((caller) => [[caller, 'its own tenant'] as const, [caller, 'another tenant'] as const]))('%s cannot suspend %s (403 forbidden, still active)', async (caller, which) => {
      const tenantId = which === 'its own tenant' ? acme.id : globex.id;
      expectProblem(await sessions[caller].patch(`${API}/tenants/${tenantId}`, { status: 'suspended' }), 403, 'forbidden');
      expect((await readTenant(tenantId).expect(200)).body.status).toBe('active');
      await sessions[caller].get(`${API}/me`).expect(200);
    });

    it.each(TENANT_CALLERS)('%s cannot delete another tenant (403 forbidden, still there)', async (caller) => {
      expectProblem(await sessions[caller].delete(`${API}/tenants/${globex.id}`), 403, 'forbidden');
      expect((await readTenant(globex.id).expect(200)).body).toMatchObject({ id: globex.id, status: 'active' });
    });
  });

  describe('tenant settings, delete own tenant: tenant_owner yes; tenant_admin no; platform_admin renames and suspends any tenant', () => {
    it('tenant_owner can rename its own tenant', async () => {
      const name = unique('Acme renamed');
      expect((await sessions.tenant_owner.patch(`${API}/tenants/${acme.id}`, { name }).expect(200)).body).toMatchObject({ id: acme.id, name, status: 'active' });
      expect((await readTenant(acme.id).expect(200)).body.name).toBe(name);
    });

    it('tenant_admin cannot rename its own tenant (403 forbidden, name unchanged)', async () => {
      const before = (await readTenant(acme.id).expect(200)).body;
      expectProblem(await sessions.tenant_admin.patch(`${API}/tenants/${acme.id}`, { name: 'Hijacked' }), 403, 'forbidden');
      expect((await readTenant(acme.id).expect(200)).body).toEqual(before);
    });

    it('tenant_owner cannot change its own tenant’s status, even together with a rename (403 forbidden, nothing changed)', async () => {
      const before = (await readTenant(acme.id).expect(200)).body;
      expectProblem(await sessions.tenant_owner.patch(`${API}/tenants/${acme.id}`, { name: 'Renamed while suspending', status: 'suspended' }), 403, 'forbidden');
      expect((await readTenant(acme.id).expect(200)).body).toEqual(before);
    });

    it('platform_admin can rename a tenant it does not belong to', async () => {
      const { tenant } = await freshTenant();
      const name = unique('Renamed by the platform');
      expect((await sessions.platform_admin.patch(`${API}/tenants/${tenant.id}`, { name }).expect(200)).body.name).toBe(name);
      expect((await readTenant(tenant.id).expect(200)).body.name).toBe(name);
    });

    it('tenant_owner can delete its own tenant (it disappears, the owner’s session ends)', async () => {
      const { tenant, owner, adminSession } = await freshTenant();
      await owner.delete(`${API}/tenants/${tenant.id}`).expect(204);
      expectProblem(await readTenant(tenant.id), 404, 'tenant_not_found');
      expectProblem(await owner.get(`${API}/me`), 401, 'unauthenticated');
      expectProblem(await adminSession.get(`${API}/me`), 401, 'unauthenticated');
      expectProblem(await login(tenant.owner, PASSWORD), 401, 'invalid_credentials');
    });

    it('tenant_admin cannot delete its own tenant (403 forbidden, still there)', async () => {
      const { tenant, owner, adminSession } = await freshTenant();
      expectProblem(await adminSession.delete(`${API}/tenants/${tenant.id}`), 403, 'forbidden');
      expect((await readTenant(tenant.id).expect(200)).body.status).toBe('active');
      await owner.get(`${API}/me`).expect(200);
    });
  });

  describe('manage users and roles in the tenant: tenant_owner yes; tenant_admin yes but never the owner; platform_admin no', () => {
    const users = (path = '') => `${API}/tenants/${acme.id}/users${path}`;

    it.each(TENANT_CALLERS)('%s can create a user', async (caller) => {
      const email = `${unique('created')}@acme.example`;
      const response = await sessions[caller].post(users(), { email, password: PASSWORD, name: 'New User', roles: ['tenant_admin'] }).expect(201);
      expect(response.body).toMatchObject({ tenant_id: acme.id, email, name: 'New User', roles: ['tenant_admin'], status: 'active', has_password: true });
      expect((await ownerRead(acme.id, response.body.id).expect(200)).body.email).toBe(email);
      await login({ tenantSlug: acme.slug, email }, PASSWORD).expect(200);
    });

    it.each(TENANT_CALLERS)('%s can list the users', async (caller) => {
      const target = await acmeUser();
      const response = await sessions[caller].get(users(`?q=${encodeURIComponent(target.email)}`)).expect(200);
      expect(response.body).toEqual({ items: [expect.objectContaining({ id: target.id, email: target.email, roles: ['tenant_member'] })], next_cursor: null });
    });

    it.each(TENANT_CALLERS)('%s can read a user', async (caller) => {
      const target = await acmeUser();
      const response = await sessions[caller].get(users(`/${target.id}`)).expect(200);
      expect(response.body).toMatchObject({ id: target.id, tenant_id: acme.id, email: target.email, roles: ['tenant_member'] });
    });

    it.each(TENANT_CALLERS)('%s can change a user (profile and status)', async (caller) => {
      const target = await acmeUser(['tenant_admin']);
      const session = await AdminSession.signIn(planes, target);
      const response = await sessions[caller].patch(users(`/${target.id}`), { name: 'Changed', status: 'disabled' }).expect(200);
      expect(response.body).toMatchObject({ id: target.id, name: 'Changed', status: 'disabled' });
      expect((await ownerRead(acme.id, target.id).expect(200)).body).toMatchObject({ name: 'Changed', status: 'disabled' });
      expectProblem(await session.get(`${API}/me`), 401, 'unauthenticated');
    });

    it.each(TENANT_CALLERS)('%s can delete a user', async (caller) => {
      const target = await acmeUser();
      await sessions[caller].delete(users(`/${target.id}`)).expect(204);
      expectProblem(await ownerRead(acme.id, target.id), 404, 'user_not_found');
      expectProblem(await login(target, PASSWORD), 401, 'invalid_credentials');
    });

    it.each(TENANT_CALLERS)('%s can set a user’s password', async (caller) => {
      const target = await acmeUser(['tenant_admin']);
      await sessions[caller].put(users(`/${target.id}/password`), { password: NEW_PASSWORD }).expect(204);
      expectProblem(await login(target, PASSWORD), 401, 'invalid_credentials');
      await login(target, NEW_PASSWORD).expect(200);
    });

    it.each(TENANT_CALLERS)('%s can unlock a user', async (caller) => {
      const target = await acmeUser(['tenant_admin']);
      for (let attempt = 0; attempt < planes.config.lockout.threshold; attempt++) await login(target, WRONG_PASSWORD).expect(401);
      expect((await ownerRead(acme.id, target.id).expect(200)).body.locked_until).not.toBeNull();
      expect((await sessions[caller].post(users(`/${target.id}/unlock`)).expect(200)).body).toMatchObject({ id: target.id, locked_until: null });
      await login(target, PASSWORD).expect(200);
    });

    it.each(TENANT_CALLERS)('%s can replace a user’s roles', async (caller) => {
      const target = await acmeUser(['tenant_member']);
      const response = await sessions[caller].put(users(`/${target.id}/roles`), { roles: ['tenant_admin'] }).expect(200);
      expect((await ownerRead(acme.id, target.id).expect(200)).body.roles).toEqual(['tenant_admin']);
      await login(target, PASSWORD).expect(200);
      expect(response.body).toEqual({ roles: ['tenant_admin'] });
    });

    it.each(TENANT_CALLERS)('%s can list a user’s sessions', async (caller) => {
      const target = await acmeUser(['tenant_admin']);
      await AdminSession.signIn(planes, target);
      const response = await sessions[caller].get(users(`/${target.id}/sessions`)).expect(200);
      expect(response.body.items).toEqual([expect.objectContaining({ plane: 'admin' })]);
    });

    it.each(TENANT_CALLERS)('%s can end a user’s sessions', async (caller) => {
      const target = await acmeUser(['tenant_admin']);
      const session = await AdminSession.signIn(planes, target);
      await sessions[caller].delete(users(`/${target.id}/sessions`)).expect(204);
      expectProblem(await session.get(`${API}/me`), 401, 'unauthenticated');
      expect((await ownerRead(acme.id, target.id).expect(200)).body.status).toBe('active');
      expect((await sessions.tenant_owner.get(users(`/${target.id}/sessions`)).expect(200)).body.items).toEqual([]);
    });

    /** Each users route, called on `userId` of `tenantId`. */
    const USER_ROUTES: [string, (session: AdminSession, tenantId: string, userId: string) => Test][] = [
      ['create a user', (s, t) => s.post(`${API}/tenants/${t}/users`, { email: `${unique('intruder')}@example.com`, password: PASSWORD, roles: ['tenant_admin'] })],
      ['list the users', (s, t) => s.get(`${API}/tenants/${t}/users`)],
      ['read a user', (s, t, u) => s.get(`${API}/tenants/${t}/users/${u}`)],
      ['change a user', (s, t, u) => s.patch(`${API}/tenants/${t}/users/${u}`, { name: 'Changed', status: 'disabled' })],
      ['delete a user', (s, t, u) => s.delete(`${API}/tenants/${t}/users/${u}`)],
      ['set a user’s password', (s, t, u) => s.put(`${API}/tenants/${t}/users/${u}/password`, { password: NEW_PASSWORD })],
      ['unlock a user', (s, t, u) => s.post(`${API}/tenants/${t}/users/${u}/unlock`)],
      ['replace a user’s roles', (s, t, u) => s.put(`${API}/tenants/${t}/users/${u}/roles`, { roles: ['tenant_admin'] })],
      ['list a user’s sessions', (s, t, u) => s.get(`${API}/tenants/${t}/users/${u}/sessions`)],
      ['end a user’s sessions', (s, t, u) => s.delete(`${API}/tenants/${t}/users/${u}/sessions`)],
    ];

    it.each(USER_ROUTES)('platform_admin cannot %s in a tenant it does not belong to (403 forbidden, nothing changed)', async (_route, call) => {
      const target = await seedUser(planes, globex, `${unique('target')}@globex.example`, ['tenant_admin']);
      const targetSession = await AdminSession.signIn(planes, target);
      const before = await usersOf(sessions.globexOwner, globex.id);
      expectProblem(await call(sessions.platform_admin, globex.id, target.id), 403, 'forbidden');
      expect(await usersOf(sessions.globexOwner, globex.id)).toEqual(before);
      await targetSession.get(`${API}/me`).expect(200);
      await login(target, PASSWORD).expect(200);
    });

    const OWNER_CHANGES = USER_ROUTES.filter(([route]) => ['change a user', 'delete a user', 'set a user’s password', 'unlock a user', 'replace a user’s roles', 'end a user’s sessions'].includes(route));

    it.each(OWNER_CHANGES)('tenant_admin cannot %s when the user is the owner (403 owner_protected, nothing changed)', async (_route, call) => {
      const { tenant, owner, adminSession } = await freshTenant();
      const before = (await owner.get(`${API}/tenants/${tenant.id}/users/${tenant.owner.id}`).expect(200)).body;
      expectProblem(await call(adminSession, tenant.id, tenant.owner.id), 403, 'owner_protected');
      expect((await owner.get(`${API}/tenants/${tenant.id}/users/${tenant.owner.id}`).expect(200)).body).toEqual(before);
      expect((await owner.get(`${API}/tenants/${tenant.id}/users/${tenant.owner.id}/sessions`).expect(200)).body.items).toHaveLength(1);
      await login(tenant.owner, PASSWORD).expect(200);
    });

    it('tenant_admin can read the owner', async () => {
      const response = await sessions.tenant_admin.get(users(`/${acme.owner.id}`)).expect(200);
      expect(response.body).toMatchObject({ id: acme.owner.id, email: acme.owner.email, roles: ['tenant_owner'] });
    });

    it('tenant_admin can list the owner’s sessions', async () => {
      const response = await sessions.tenant_admin.get(users(`/${acme.owner.id}/sessions`)).expect(200);
      expect(response.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ plane: 'admin' })]));
    });
  });

  describe('ownership: only the current owner transfers it', () => {
    it('tenant_owner can transfer ownership: the previous owner becomes tenant_admin, there is exactly one owner', async () => {
      const { tenant, owner, member } = await freshTenant();
      const response = await owner.post(`${API}/tenants/${tenant.id}/owner`, { user_id: member.id }).expect(200);

      const everyone = await usersOf(owner, tenant.id);
      expect(everyone.filter((user) => user.roles.includes('tenant_owner')).map((user) => user.id)).toEqual([member.id]);
      expect(everyone.find((user) => user.id === tenant.owner.id)!.roles).toEqual(['tenant_admin']);
      expect((await login(member, PASSWORD).expect(200)).body.roles).toContain('tenant_owner');
      // The previous owner is now an admin: it cannot take the tenant back.
      expectProblem(await owner.post(`${API}/tenants/${tenant.id}/owner`, { user_id: tenant.owner.id }), 403, 'forbidden');

      // The answer describes the new state.
      expect(response.body.owner.id).toBe(member.id);
      expect(response.body.owner.roles).toContain('tenant_owner');
      expect(response.body.previous_owner).toMatchObject({ id: tenant.owner.id, roles: ['tenant_admin'] });
    });

    it('tenant_admin cannot transfer ownership, not even to itself (403 forbidden, owner unchanged)', async () => {
      const { tenant, owner, admin, adminSession } = await freshTenant();
      expectProblem(await adminSession.post(`${API}/tenants/${tenant.id}/owner`, { user_id: admin.id }), 403, 'forbidden');
      await expectSoleOwner(owner, tenant.id, tenant.owner.id);
    });

    it('platform_admin cannot transfer ownership of a tenant (403 forbidden, owner unchanged)', async () => {
      const { tenant, owner, member } = await freshTenant();
      expectProblem(await sessions.platform_admin.post(`${API}/tenants/${tenant.id}/owner`, { user_id: member.id }), 403, 'forbidden');
      await expectSoleOwner(owner, tenant.id, tenant.owner.id);
    });

    async function expectSoleOwner(session: AdminSession, tenantId: string, ownerId: string): Promise<void> {
      const owners = (await usersOf(session, tenantId)).filter((user) => user.roles.includes('tenant_owner'));
      expect(owners.map((user) => user.id)).toEqual([ownerId]);
    }
  });

  describe('invariants of ownership and of the operator tenant', () => {
    it('tenant_owner cannot delete the owner’s account (409 owner_cannot_be_deleted)', async () => {
      const { tenant, owner } = await freshTenant();
      expectProblem(await owner.delete(`${API}/tenants/${tenant.id}/users/${tenant.owner.id}`), 409, 'owner_cannot_be_deleted');
      expect((await owner.get(`${API}/tenants/${tenant.id}/users/${tenant.owner.id}`).expect(200)).body.roles).toEqual(['tenant_owner']);
      await owner.get(`${API}/me`).expect(200);
    });

    it('tenant_owner cannot disable the owner’s account (409 owner_cannot_be_disabled)', async () => {
      const { tenant, owner } = await freshTenant();
      expectProblem(await owner.patch(`${API}/tenants/${tenant.id}/users/${tenant.owner.id}`, { status: 'disabled' }), 409, 'owner_cannot_be_disabled');
      expect((await owner.get(`${API}/tenants/${tenant.id}/users/${tenant.owner.id}`).expect(200)).body.status).toBe('active');
      await owner.get(`${API}/me`).expect(200);
    });

    it.each(TENANT_CALLERS)('%s cannot grant tenant_owner through PUT roles (400 role_not_assignable, roles unchanged)', async (caller) => {
      const target = await acmeUser(['tenant_member']);
      expectProblem(await sessions[caller].put(`${API}/tenants/${acme.id}/users/${target.id}/roles`, { roles: ['tenant_owner'] }), 400, 'role_not_assignable');
      expect((await ownerRead(acme.id, target.id).expect(200)).body.roles).toEqual(['tenant_member']);
      const owners = (await usersOf(sessions.tenant_owner, acme.id)).filter((user) => user.roles.includes('tenant_owner'));
      expect(owners.map((user) => user.id)).toEqual([acme.owner.id]);
    });

    it('platform_admin cannot suspend the tenant holding platform admins (409 tenant_has_platform_admins)', async () => {
      expectProblem(await sessions.platform_admin.patch(`${API}/tenants/${operatorTenant.id}`, { status: 'suspended' }), 409, 'tenant_has_platform_admins');
      expect((await readTenant(operatorTenant.id).expect(200)).body.status).toBe('active');
      await sessions.platform_admin.get(`${API}/me`).expect(200);
    });

    it('platform_admin cannot delete the tenant holding platform admins (409 tenant_has_platform_admins)', async () => {
      expectProblem(await sessions.platform_admin.delete(`${API}/tenants/${operatorTenant.id}`), 409, 'tenant_has_platform_admins');
      expect((await readTenant(operatorTenant.id).expect(200)).body.status).toBe('active');
      await sessions.platform_admin.get(`${API}/me`).expect(200);
    });
  });

  describe('authentication and CSRF on every protected route', () => {
    const PUBLIC_ROUTES = new Set(['GET /api/v1', 'GET /api/v1/openapi.json', 'POST /api/v1/auth/login', 'GET /health/live', 'GET /health/ready']);

    it('every protected route answers 401 unauthenticated without a session, or with an unknown session cookie', async () => {
      const routes = routesOf(planes.admin).filter((route) => !PUBLIC_ROUTES.has(`${route.method} ${route.path}`));
      expect(routes.map((route) => `${route.method} ${route.path}`)).toEqual(
        expect.arrayContaining(['GET /api/v1/me', 'POST /api/v1/tenants', 'DELETE /api/v1/tenants/:tenantId/users/:userId/sessions', 'POST /api/v1/tenants/:tenantId/owner', 'POST /api/v1/auth/logout']),
      );
      const unknownCookie = `opentrusty_admin=${'A'.repeat(43)}`;
      const answers: string[] = [];
      for (const route of routes) {
        for (const cookie of [undefined, unknownCookie]) {
          const call = api()[route.method.toLowerCase() as 'get'](concretePath(route.path));
          const response = await (cookie ? call.set('Cookie', cookie) : call);
          answers.push(`${route.method} ${route.path}${cookie ? ' (unknown cookie)' : ''} → ${response.status} ${response.body.code}`);
        }
      }
      expect(answers).toEqual(answers.map((answer) => answer.replace(/→ .*$/, '→ 401 unauthenticated')));
    });

    /** Every unsafe route, with a caller allowed to call it and a valid body, so that only the CSRF check can refuse. */
    const UNSAFE_ROUTES: [string, Caller | 'victim', (c: CsrfContext) => string, ((c: CsrfContext) => object) | undefined][] = [
      ['POST /tenants', 'platform_admin', () => '/tenants', () => ({ slug: unique('csrf'), name: 'CSRF', owner: { email: 'owner@csrf.example', password: PASSWORD } })],
      ['PATCH /tenants/{id}', 'platform_admin', (c) => `/tenants/${c.tenant.id}`, () => ({ status: 'suspended' })],
      ['DELETE /tenants/{id}', 'platform_admin', (c) => `/tenants/${c.tenant.id}`, undefined],
      ['POST /tenants/{id}/owner', 'victim', (c) => `/tenants/${c.tenant.id}/owner`, (c) => ({ user_id: c.member.id })],
      ['POST /tenants/{id}/users', 'victim', (c) => `/tenants/${c.tenant.id}/users`, () => ({ email: 'planted@csrf.example', password: PASSWORD, roles: ['tenant_admin'] })],
      ['PATCH /tenants/{id}/users/{uid}', 'victim', (c) => `/tenants/${c.tenant.id}/users/${c.member.id}`, () => ({ status: 'disabled' })],
      ['DELETE /tenants/{id}/users/{uid}', 'victim', (c) => `/tenants/${c.tenant.id}/users/${c.member.id}`, undefined],
      ['PUT /tenants/{id}/users/{uid}/password', 'victim', (c) => `/tenants/${c.tenant.id}/users/${c.member.id}/password`, () => ({ password: NEW_PASSWORD })],
      ['POST /tenants/{id}/users/{uid}/unlock', 'victim', (c) => `/tenants/${c.tenant.id}/users/${c.member.id}/unlock`, undefined],
      ['PUT /tenants/{id}/users/{uid}/roles', 'victim', (c) => `/tenants/${c.tenant.id}/users/${c.member.id}/roles`, () => ({ roles: ['tenant_admin'] })],
      ['DELETE /tenants/{id}/users/{uid}/sessions', 'victim', (c) => `/tenants/${c.tenant.id}/users/${c.admin.id}/sessions`, undefined],
      ['PATCH /me', 'victim', () => '/me', () => ({ name: 'Forged' })],
      ['PUT /me/password', 'victim', () => '/me/password', () => ({ current_password: PASSWORD, new_password: NEW_PASSWORD })],
      ['POST /auth/logout', 'victim', () => '/auth/logout', undefined],
    ];

    interface CsrfContext {
      tenant: SeededTenant;
      member: SeededUser;
      admin: SeededUser;
    }

    it.each(UNSAFE_ROUTES)('%s with a session cookie but no or a wrong X-CSRF-Token → 403 csrf_token_invalid, nothing changed', async (label, caller, path, body) => {
      const { tenant, owner, member, admin, adminSession } = await freshTenant();
      const context: CsrfContext = { tenant, member, admin };
      const session = caller === 'victim' ? owner : sessions[caller];
      const otherSession = await AdminSession.signIn(planes, caller === 'victim' ? tenant.owner : platformAdmin);
      const method = label.split(' ')[0]!.toLowerCase() as 'post';
      const snapshot = () => Promise.all([readTenant(tenant.id).expect(200).then((r) => r.body), usersOf(owner, tenant.id), owner.get(`${API}/me`).expect(200).then((r) => r.body), passwordHashesOf(tenant.id)]);
      const before = await snapshot();

      for (const token of [undefined, '', otherSession.csrfToken, `${session.csrfToken.slice(0, -1)}${session.csrfToken.endsWith('A') ? 'B' : 'A'}`]) {
        let call = api()[method](`${API}${path(context)}`).set('Cookie', session.cookie);
        if (token !== undefined) call = call.set('X-CSRF-Token', token);
        const response = await (body ? call.send(body(context)) : call);
        expectProblem(response, 403, 'csrf_token_invalid');
      }

      expect(await snapshot()).toEqual(before);
      await adminSession.get(`${API}/me`).expect(200);
      await session.get(`${API}/auth/me`).expect(200);
      if (caller === 'platform_admin') expect((await sessions.platform_admin.get(`${API}/tenants?q=csrf`).expect(200)).body.items).toEqual([]);
    });
  });
});
