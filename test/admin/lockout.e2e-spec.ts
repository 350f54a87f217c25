import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { PasswordHasher } from '#identity/password-hasher.js';
import { AdminSession, PASSWORD, seedTenant, seedUser, type SeededTenant } from '../support/admin-api.js';
import { startTestPlanes, type TestPlanes } from '../support/test-planes.js';
import { createMigratedDatabase, type TestDatabase } from '../support/test-database.js';

const MINUTE = 60_000;
const WRONG = 'not-the-password';

describe('sign-in failures and lockout (SPEC §5.2)', () => {
  let database: TestDatabase;
  let planes: TestPlanes;
  let tenant: SeededTenant;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startTestPlanes(database.url);
    tenant = await seedTenant(planes, 'lockout-co');
  });

  afterAll(async () => {
    await planes.close();
    await database.drop();
  });

  const login = (email: string, password: string, slug = tenant.slug) =>
    request(planes.admin.getHttpServer()).post('/api/v1/auth/login').send({ tenant: slug, email, password });
  const failureBody = (body: Record<string, unknown>) => ({ ...body, request_id: undefined });

  it('locks after 5 consecutive failures; the right password fails while locked and works once the lock expires', async () => {
    const user = await seedUser(planes, tenant, 'locked@lockout-co.example', ['tenant_admin']);
    for (let attempt = 1; attempt <= 5; attempt++) await login(user.email, WRONG).expect(401);

    const sixth = await login(user.email, PASSWORD).expect(401);
    expect(sixth.body.code).toBe('invalid_credentials');
    const owner = await AdminSession.signIn(planes, tenant.owner);
    const shown = await owner.get(`/api/v1/tenants/${tenant.id}/users/${user.id}`).expect(200);
    expect(new Date(shown.body.locked_until).getTime()).toBeGreaterThan(planes.clock.now().getTime() + 14 * MINUTE);

    planes.clock.advance(14 * MINUTE);
    await login(user.email, PASSWORD).expect(401);
    planes.clock.advance(2 * MINUTE);
    await login(user.email, PASSWORD).expect(200);

    // Success reset the counter: four more failures do not lock.
    for (let attempt = 1; attempt <= 4; attempt++) await login(user.email, WRONG).expect(401);
    await login(user.email, PASSWORD).expect(200);
    expect((await owner.get(`/api/v1/tenants/${tenant.id}/users/${user.id}`).expect(200)).body.locked_until).toBeNull();
  });

  it('counts failures that arrive concurrently without losing any', async () => {
    const user = await seedUser(planes, tenant, 'concurrent@lockout-co.example', ['tenant_admin']);
    await Promise.all(Array.from({ length: 5 }, () => login(user.email, WRONG).expect(401)));
    await login(user.email, PASSWORD).expect(401);
  });

  it('lets an administrator lift a lock', async () => {
    const user = await seedUser(planes, tenant, 'unlocked@lockout-co.example', ['tenant_member']);
    for (let attempt = 1; attempt <= 5; attempt++) await login(user.email, WRONG).expect(401);
    const owner = await AdminSession.signIn(planes, tenant.owner);
    const unlocked = await owner.post(`/api/v1/tenants/${tenant.id}/users/${user.id}/unlock`).expect(200);
    expect(unlocked.body.locked_until).toBeNull();
    // A member's password is right again: the admin plane now refuses the role, not the password.
    expect((await login(user.email, PASSWORD).expect(403)).body.code).toBe('admin_login_forbidden');
  });

  it('answers a wrong password, an unknown email, an unknown tenant, a disabled and a locked user identically', async () => {
    const disabled = await seedUser(planes, tenant, 'disabled@lockout-co.example', ['tenant_admin']);
    const owner = await AdminSession.signIn(planes, tenant.owner);
    await owner.patch(`/api/v1/tenants/${tenant.id}/users/${disabled.id}`, { status: 'disabled' }).expect(200);
    const locked = await seedUser(planes, tenant, 'lockedout@lockout-co.example', ['tenant_admin']);
    for (let attempt = 1; attempt <= 5; attempt++) await login(locked.email, WRONG).expect(401);
    const passwordless = await seedUser(planes, tenant, 'nopassword@lockout-co.example', ['tenant_admin'], null);

    const answers = await Promise.all([
      login(tenant.owner.email, WRONG),
      login('nobody@lockout-co.example', PASSWORD),
      login(tenant.owner.email, PASSWORD, 'no-such-tenant'),
      login(disabled.email, PASSWORD),
      login(locked.email, PASSWORD),
      login(passwordless.email, PASSWORD),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(failureBody(answer.body)).toEqual(failureBody(answers[0]!.body));
    }
    expect(answers[0]!.body).toMatchObject({ code: 'invalid_credentials', detail: 'Invalid email or password.' });
  });

  it('verifies exactly one Argon2id hash per attempt, whatever the reason for failing (so timings match)', async () => {
    const hasher = planes.admin.get(PasswordHasher);
    const disabled = await seedUser(planes, tenant, 'disabled-timing@lockout-co.example', ['tenant_admin']);
    const owner = await AdminSession.signIn(planes, tenant.owner);
    await owner.patch(`/api/v1/tenants/${tenant.id}/users/${disabled.id}`, { status: 'disabled' }).expect(200);
    const passwordless = await seedUser(planes, tenant, 'nopassword-timing@lockout-co.example', ['tenant_admin'], null);
    const locked = await seedUser(planes, tenant, 'locked-timing@lockout-co.example', ['tenant_admin']);
    for (let attempt = 1; attempt <= 5; attempt++) await login(locked.email, WRONG).expect(401);
    const cases: [string, () => Promise<unknown>][] = [
      ['wrong password', () => login(tenant.owner.email, WRONG).expect(401)],
      ['unknown email', () => login('ghost@lockout-co.example', WRONG).expect(401)],
      ['unknown tenant', () => login('ghost@lockout-co.example', WRONG, 'ghost-tenant').expect(401)],
      ['disabled user', () => login(disabled.email, PASSWORD).expect(401)],
      ['user without a password', () => login(passwordless.email, PASSWORD).expect(401)],
      ['locked user', () => login(locked.email, PASSWORD).expect(401)],
      ['right password', () => login(tenant.owner.email, PASSWORD).expect(200)],
    ];
    for (const [name, attempt] of cases) {
      const before = hasher.stats.verifications;
      await attempt();
      expect({ name, verifications: hasher.stats.verifications - before }).toEqual({ name, verifications: 1 });
    }
  });
});
