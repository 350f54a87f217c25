import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request, { type Response, type Test } from 'supertest';
import { AdminSession, PASSWORD, seedTenant, seedUser, type SeededTenant, type SeededUser } from '../support/admin-api.js';
import { startTestPlanes, type TestPlanes } from '../support/test-planes.js';
import { createMigratedDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * Tenant isolation on the admin plane (SPEC §4, §9): the owner, an admin and a member of tenant A
 * can neither read nor change anything of tenant B through any admin route, cannot tell which
 * of B's ids or emails exist, and leave B exactly as it was.
 */

const API = '/api/v1';
const WRONG_PASSWORD = 'not-the-password';
const NEW_PASSWORD = 'another-long-passphrase';
const REFUSAL_CODES = ['forbidden', 'not_found', 'tenant_not_found', 'user_not_found'];

type Caller = 'tenant_owner' | 'tenant_admin';
const CALLERS: Caller[] = ['tenant_owner', 'tenant_admin'];

/** What a caller can observe of an answer: status and body, without the per-request id. */
interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

function answerOf(response: Response): Answer {
  const body = { ...(response.body as Record<string, unknown>) };
  delete body.request_id;
  return { status: response.status, body };
}

/** Refused as 403 or 404 (SPEC §4 allows either), with a problem body. */
function expectRefused(answer: Answer): void {
  expect([403, 404]).toContain(answer.status);
  expect(REFUSAL_CODES).toContain(answer.body.code);
}

/** All answers are one and the same refusal, so none of the requests taught the caller anything. */
function expectSameRefusal(answers: Answer[]): void {
  expectRefused(answers[0]!);
  for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
}

describe('cross-tenant isolation on the admin plane (SPEC §4, §9)', () => {
  let database: TestDatabase;
  let planes: TestPlanes;
  let alpha: SeededTenant;
  let bravo: SeededTenant;
  const a = {} as Record<Caller | 'tenant_member', SeededUser>;
  const b = {} as Record<Caller | 'tenant_member', SeededUser>;
  const sessions = {} as Record<Caller, AdminSession>;
  /** Tenant B's own owner, the reference reader of B's state. */
  let bravoOwner: AdminSession;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startTestPlanes(database.url);
    alpha = await seedTenant(planes, 'alpha');
    bravo = await seedTenant(planes, 'bravo');
    for (const [tenant, users] of [[alpha, a], [bravo, b]] as const) {
      users.tenant_owner = tenant.owner;
      users.tenant_admin = await seedUser(planes, tenant, `admin@${tenant.slug}.example`, ['tenant_admin']);
      users.tenant_member = await seedUser(planes, tenant, `member@${tenant.slug}.example`, ['tenant_member']);
    }
    sessions.tenant_owner = await AdminSession.signIn(planes, a.tenant_owner);
    sessions.tenant_admin = await AdminSession.signIn(planes, a.tenant_admin);
    bravoOwner = await AdminSession.signIn(planes, b.tenant_owner);
    // B's admin has a live session too, so that ending sessions would show in B's state.
    await AdminSession.signIn(planes, b.tenant_admin);
  });

  afterAll(async () => {
    await planes?.close();
    await database?.drop();
  });

  const api = () => request(planes.admin.getHttpServer());
  const login = (tenant: string, email: string, password: string) => api().post(`${API}/auth/login`).send({ tenant, email, password });

  /** Tenant B as its owner sees it through the API, plus the password hashes the API never shows. */
  async function stateOfBravo() {
    const tenant = (await bravoOwner.get(`${API}/tenants/${bravo.id}`).expect(200)).body;
    const users = (await bravoOwner.get(`${API}/tenants/${bravo.id}/users?limit=200`).expect(200)).body.items as { id: string }[];
    const sessionIds = await Promise.all(
      users.map(async (user) => ((await bravoOwner.get(`${API}/tenants/${bravo.id}/users/${user.id}/sessions`).expect(200)).body.items as { id: string }[]).map((s) => s.id).sort()),
    );
    const hashes = await planes.orm.em
      .getConnection()
      .execute('select u.id, c.hash from users u left join password_credentials c on c.user_id = u.id where u.tenant_id = ? order by u.id', [bravo.id]);
    return { tenant, users, sessionIds, hashes };
  }

  /** Runs `work` and checks that tenant B is exactly as before. */
  async function expectBravoUnchanged(work: () => Promise<void>): Promise<void> {
    const before = await stateOfBravo();
    await work();
    expect(await stateOfBravo()).toEqual(before);
  }

  /** Every tenant-level admin route, called on `tenantId` by a user of A. */
  const TENANT_ROUTES: [string, (s: AdminSession, tenantId: string, caller: SeededUser) => Test][] = [
    ['GET /tenants/{id}', (s, t) => s.get(`${API}/tenants/${t}`)],
    ['PATCH /tenants/{id} (rename)', (s, t) => s.patch(`${API}/tenants/${t}`, { name: 'Taken over' })],
    ['PATCH /tenants/{id} (suspend)', (s, t) => s.patch(`${API}/tenants/${t}`, { status: 'suspended' })],
    ['DELETE /tenants/{id}', (s, t) => s.delete(`${API}/tenants/${t}`)],
    ['POST /tenants/{id}/owner (to the caller)', (s, t, caller) => s.post(`${API}/tenants/${t}/owner`, { user_id: caller.id })],
    ['POST /tenants/{id}/owner (to a user of B)', (s, t) => s.post(`${API}/tenants/${t}/owner`, { user_id: b.tenant_member.id })],
    ['POST /tenants/{id}/users', (s, t) => s.post(`${API}/tenants/${t}/users`, { email: 'planted@intruder.example', password: PASSWORD, roles: ['tenant_admin'] })],
    ['GET /tenants/{id}/users', (s, t) => s.get(`${API}/tenants/${t}/users`)],
    ['GET /tenants/{id}/users?status=active&limit=200', (s, t) => s.get(`${API}/tenants/${t}/users?status=active&limit=200`)],
  ];

  /** Every admin route on one user, called on `userId` of `tenantId`. */
  const USER_ROUTES: [string, (s: AdminSession, tenantId: string, userId: string) => Test][] = [
    ['GET /tenants/{id}/users/{uid}', (s, t, u) => s.get(`${API}/tenants/${t}/users/${u}`)],
    ['PATCH /tenants/{id}/users/{uid}', (s, t, u) => s.patch(`${API}/tenants/${t}/users/${u}`, { name: 'Renamed', status: 'disabled' })],
    ['DELETE /tenants/{id}/users/{uid}', (s, t, u) => s.delete(`${API}/tenants/${t}/users/${u}`)],
    ['PUT /tenants/{id}/users/{uid}/password', (s, t, u) => s.put(`${API}/tenants/${t}/users/${u}/password`, { password: NEW_PASSWORD })],
    ['POST /tenants/{id}/users/{uid}/unlock', (s, t, u) => s.post(`${API}/tenants/${t}/users/${u}/unlock`)],
    ['PUT /tenants/{id}/users/{uid}/roles', (s, t, u) => s.put(`${API}/tenants/${t}/users/${u}/roles`, { roles: ['tenant_member'] })],
    ['GET /tenants/{id}/users/{uid}/sessions', (s, t, u) => s.get(`${API}/tenants/${t}/users/${u}/sessions`)],
    ['DELETE /tenants/{id}/users/{uid}/sessions', (s, t, u) => s.delete(`${API}/tenants/${t}/users/${u}/sessions`)],
  ];

  const each = <T extends unknown[]>(routes: [string, ...T][]) => CALLERS.flatMap((caller) => routes.map(([label, ...rest]) => [caller, label, ...rest] as [Caller, string, ...T]));

  describe('every tenant-B route refuses tenant A’s owner and admin, the same way as for an unknown id', () => {
    it.each(each(TENANT_ROUTES))('%s of A: %s on B is refused like on an unknown tenant, B unchanged', async (caller, _label, call) => {
      await expectBravoUnchanged(async () => {
        const onBravo = answerOf(await call(sessions[caller], bravo.id, a[caller]));
        const onNowhere = answerOf(await call(sessions[caller], randomUUID(), a[caller]));
        expectSameRefusal([onBravo, onNowhere]);
      });
    });

    it.each(each(USER_ROUTES))('%s of A: %s on B’s owner, admin and member is refused like on unknown or foreign user ids, B unchanged', async (caller, _label, call) => {
      await expectBravoUnchanged(async () => {
        const userIds = [b.tenant_owner.id, b.tenant_admin.id, b.tenant_member.id, randomUUID(), a[caller].id, a.tenant_member.id];
        const answers: Answer[] = [];
        for (const userId of userIds) answers.push(answerOf(await call(sessions[caller], bravo.id, userId)));
        answers.push(answerOf(await call(sessions[caller], randomUUID(), b.tenant_member.id)));
        expectSameRefusal(answers);
      });
    });

    it.each(each(USER_ROUTES))('%s of A: %s with B’s user ids under A’s own path finds nothing (404 user_not_found, as for a random id), B unchanged', async (caller, _label, call) => {
      await expectBravoUnchanged(async () => {
        const answers: Answer[] = [];
        for (const userId of [b.tenant_owner.id, b.tenant_admin.id, b.tenant_member.id, randomUUID()]) answers.push(answerOf(await call(sessions[caller], alpha.id, userId)));
        expect(answers[0]).toMatchObject({ status: 404, body: { code: 'user_not_found' } });
        for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
      });
    });

    it('tenant_owner of A cannot hand A’s ownership to a user of B (404 user_not_found, both owners unchanged)', async () => {
      await expectBravoUnchanged(async () => {
        const response = await sessions.tenant_owner.post(`${API}/tenants/${alpha.id}/owner`, { user_id: b.tenant_member.id });
        expect(answerOf(response)).toMatchObject({ status: 404, body: { code: 'user_not_found' } });
        const owners = ((await sessions.tenant_owner.get(`${API}/tenants/${alpha.id}/users?limit=200`).expect(200)).body.items as { id: string; roles: string[] }[]).filter((user) => user.roles.includes('tenant_owner'));
        expect(owners.map((user) => user.id)).toEqual([a.tenant_owner.id]);
      });
    });
  });

  describe('a tenant-A session is worthless on tenant B’s paths', () => {
    it.each(CALLERS)('%s of A gets 403 on B’s users even when X-Tenant-ID names B, and X-Tenant-ID never widens what it sees', async (caller) => {
      await expectBravoUnchanged(async () => {
        const refused = await sessions[caller].get(`${API}/tenants/${bravo.id}/users`).set('X-Tenant-ID', bravo.id);
        expect(answerOf(refused)).toMatchObject({ status: 403, body: { code: 'forbidden' } });

        const own = await sessions[caller].get(`${API}/tenants/${alpha.id}/users?limit=200`).set('X-Tenant-ID', bravo.id).expect(200);
        const tenantIds = new Set((own.body.items as { tenant_id: string }[]).map((user) => user.tenant_id));
        expect([...tenantIds]).toEqual([alpha.id]);
        const me = await sessions[caller].get(`${API}/me`).set('X-Tenant-ID', bravo.id).expect(200);
        expect(me.body.tenant.id).toBe(alpha.id);
      });
    });
  });

  describe('tenant A cannot learn whether an email exists in tenant B', () => {
    const FRESH_EMAIL = 'nobody-here@bravo.example';

    it.each(CALLERS)('%s of A: creating a user in B with B’s owner email or with a fresh email gets the same refusal', async (caller) => {
      await expectBravoUnchanged(async () => {
        const answers: Answer[] = [];
        for (const email of [b.tenant_owner.email, b.tenant_member.email.toUpperCase(), FRESH_EMAIL]) {
          answers.push(answerOf(await sessions[caller].post(`${API}/tenants/${bravo.id}/users`, { email, password: PASSWORD })));
        }
        expectSameRefusal(answers);
      });
    });

    it.each(CALLERS)('%s of A: changing a B user’s email to a taken or a fresh email gets the same refusal', async (caller) => {
      await expectBravoUnchanged(async () => {
        const answers: Answer[] = [];
        for (const email of [b.tenant_owner.email, FRESH_EMAIL]) answers.push(answerOf(await sessions[caller].patch(`${API}/tenants/${bravo.id}/users/${b.tenant_member.id}`, { email })));
        expectSameRefusal(answers);
      });
    });

    it.each(CALLERS)('%s of A: searching B’s users for an existing or a fresh email gets the same refusal', async (caller) => {
      await expectBravoUnchanged(async () => {
        const answers: Answer[] = [];
        for (const email of [b.tenant_owner.email, FRESH_EMAIL]) answers.push(answerOf(await sessions[caller].get(`${API}/tenants/${bravo.id}/users?q=${encodeURIComponent(email)}`)));
        expectSameRefusal(answers);
      });
    });

    it.each(CALLERS)('%s of A: creating a user in A with an email that exists in B works like a fresh email (no cross-tenant uniqueness)', async (caller) => {
      await expectBravoUnchanged(async () => {
        for (const email of [`${caller}-copy@bravo-lookalike.example`, caller === 'tenant_owner' ? b.tenant_owner.email : b.tenant_admin.email]) {
          const created = await sessions[caller].post(`${API}/tenants/${alpha.id}/users`, { email, password: PASSWORD }).expect(201);
          expect(created.body).toMatchObject({ tenant_id: alpha.id, email, roles: ['tenant_member'] });
        }
      });
    });

    it('signing in to B with an existing email and a wrong password answers exactly like an unknown email (401 invalid_credentials)', async () => {
      const answers: Answer[] = [];
      for (const email of [b.tenant_owner.email, b.tenant_member.email, FRESH_EMAIL, a.tenant_owner.email]) answers.push(answerOf(await login(bravo.slug, email, WRONG_PASSWORD)));
      answers.push(answerOf(await login('no-such-tenant', b.tenant_owner.email, WRONG_PASSWORD)));
      expect(answers[0]).toMatchObject({ status: 401, body: { code: 'invalid_credentials' } });
      for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
    });
  });

  describe('tenant A’s credentials are worthless in tenant B', () => {
    it('a member of A cannot sign in to A (403 admin_login_forbidden) nor to B (401 invalid_credentials, like an unknown email)', async () => {
      await expectBravoUnchanged(async () => {
        expect(answerOf(await login(alpha.slug, a.tenant_member.email, PASSWORD))).toMatchObject({ status: 403, body: { code: 'admin_login_forbidden' } });
        const intoBravo = answerOf(await login(bravo.slug, a.tenant_member.email, PASSWORD));
        expect(intoBravo).toMatchObject({ status: 401, body: { code: 'invalid_credentials' } });
        expect(intoBravo).toEqual(answerOf(await login(bravo.slug, 'nobody@alpha.example', PASSWORD)));
      });
    });

    it.each(CALLERS)('%s of A cannot sign in to B with its own credentials (401 invalid_credentials), and still can to A', async (caller) => {
      await expectBravoUnchanged(async () => {
        const response = await login(bravo.slug, a[caller].email, PASSWORD);
        expect(answerOf(response)).toMatchObject({ status: 401, body: { code: 'invalid_credentials' } });
        expect(response.headers['set-cookie']).toBeUndefined();
        expect((await login(alpha.slug, a[caller].email, PASSWORD).expect(200)).body.tenant.id).toBe(alpha.id);
      });
    });
  });

  describe('the same email in two tenants is two unrelated identities', () => {
    const EMAIL = 'twin@shared.example';
    const ALPHA_PASSWORD = 'alpha-twin-passphrase';
    const BRAVO_PASSWORD = 'bravo-twin-passphrase';
    let alphaTwin: SeededUser;
    let bravoTwin: SeededUser;

    beforeAll(async () => {
      alphaTwin = await seedUser(planes, alpha, EMAIL, ['tenant_admin'], ALPHA_PASSWORD);
      bravoTwin = await seedUser(planes, bravo, EMAIL, ['tenant_admin'], BRAVO_PASSWORD);
    });

    it('each twin signs in only to its own tenant, with its own password, as a different user', async () => {
      expect(answerOf(await login(bravo.slug, EMAIL, ALPHA_PASSWORD))).toMatchObject({ status: 401, body: { code: 'invalid_credentials' } });
      expect(answerOf(await login(alpha.slug, EMAIL, BRAVO_PASSWORD))).toMatchObject({ status: 401, body: { code: 'invalid_credentials' } });
      const intoAlpha = await login(alpha.slug, EMAIL, ALPHA_PASSWORD).expect(200);
      const intoBravo = await login(bravo.slug, EMAIL, BRAVO_PASSWORD).expect(200);
      expect(intoAlpha.body).toMatchObject({ user: { id: alphaTwin.id, tenant_id: alpha.id }, tenant: { id: alpha.id } });
      expect(intoBravo.body).toMatchObject({ user: { id: bravoTwin.id, tenant_id: bravo.id }, tenant: { id: bravo.id } });
    });

    it('the A twin’s session cannot reach its B twin', async () => {
      const session = await AdminSession.signIn(planes, alphaTwin);
      await expectBravoUnchanged(async () => {
        expectSameRefusal([
          answerOf(await session.get(`${API}/tenants/${bravo.id}/users/${bravoTwin.id}`)),
          answerOf(await session.get(`${API}/tenants/${bravo.id}/users/${randomUUID()}`)),
        ]);
        expect(answerOf(await session.patch(`${API}/tenants/${bravo.id}/users/${bravoTwin.id}`, { name: 'Twin' }))).toMatchObject({ status: 403 });
        expect(answerOf(await session.get(`${API}/tenants/${alpha.id}/users/${bravoTwin.id}`))).toMatchObject({ status: 404, body: { code: 'user_not_found' } });
      });
    });

    it('failed sign-ins into B lock only the B twin, never the A twin', async () => {
      for (let attempt = 0; attempt < planes.config.lockout.threshold; attempt++) await login(bravo.slug, EMAIL, WRONG_PASSWORD).expect(401);
      expect((await bravoOwner.get(`${API}/tenants/${bravo.id}/users/${bravoTwin.id}`).expect(200)).body.locked_until).not.toBeNull();
      expect((await sessions.tenant_owner.get(`${API}/tenants/${alpha.id}/users/${alphaTwin.id}`).expect(200)).body.locked_until).toBeNull();
      await login(alpha.slug, EMAIL, ALPHA_PASSWORD).expect(200);
      await login(bravo.slug, EMAIL, BRAVO_PASSWORD).expect(401);
    });
  });
});
