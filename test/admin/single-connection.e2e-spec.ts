import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { AdminSession, PASSWORD, seedPlatformAdmin } from '../support/admin-api.js';
import { startTestPlanes, type TestPlanes } from '../support/test-planes.js';
import { createMigratedDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * With a pool of one connection, any statement that escaped the request's transaction would
 * wait for a second connection and fail with 503. Every use case must therefore work here.
 */
describe('admin use cases on a single database connection', () => {
  let database: TestDatabase;
  let planes: TestPlanes;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startTestPlanes(database.url, { OPENTRUSTY_DATABASE_POOL_MAX: '1', OPENTRUSTY_DATABASE_CONNECT_TIMEOUT_MS: '1000' });
  });

  afterAll(async () => {
    await planes.close();
    await database.drop();
  });

  it('creates, changes, transfers, suspends and deletes without needing a second connection', async () => {
    const operator = await AdminSession.signIn(planes, await seedPlatformAdmin(planes));
    const created = await operator.post('/api/v1/tenants', { slug: 'solo', name: 'Solo', owner: { email: 'owner@solo.example', password: PASSWORD } }).expect(201);
    const tenantId = created.body.tenant.id as string;
    const owner = await AdminSession.signIn(planes, { tenantSlug: 'solo', email: 'owner@solo.example', password: PASSWORD });
    const user = await owner.post(`/api/v1/tenants/${tenantId}/users`, { email: 'ada@solo.example', password: PASSWORD, roles: ['tenant_member'] }).expect(201);
    const userId = user.body.id as string;
    await owner.put(`/api/v1/tenants/${tenantId}/users/${userId}/roles`, { roles: ['tenant_admin'] }).expect(200, { roles: ['tenant_admin'] });
    await owner.patch(`/api/v1/tenants/${tenantId}/users/${userId}`, { name: 'Ada' }).expect(200);
    await owner.post(`/api/v1/tenants/${tenantId}/users/${userId}/unlock`).expect(200);
    await owner.put(`/api/v1/tenants/${tenantId}/users/${userId}/password`, { password: 'another-password' }).expect(204);
    await owner.post(`/api/v1/tenants/${tenantId}/owner`, { user_id: userId }).expect(200);
    await operator.patch(`/api/v1/tenants/${tenantId}`, { status: 'suspended' }).expect(200);
    await operator.patch(`/api/v1/tenants/${tenantId}`, { status: 'active' }).expect(200);
    await operator.put('/api/v1/me/password', { current_password: PASSWORD, new_password: 'operator-new-password' }).expect(204);
    await operator.delete(`/api/v1/tenants/${tenantId}`).expect(204);
  });
});
