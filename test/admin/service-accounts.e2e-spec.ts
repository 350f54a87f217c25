import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { uuidv7 } from '#platform/ids/uuidv7.js';
import { AdminSession, PASSWORD, seedTenant, seedUser, type SeededTenant } from '../support/admin-api.js';
import { runCodeFlow } from '../support/code-flow.js';
import { seedClient, type SeededClient } from '../support/oauth-clients.js';
import { type ListeningPlanes, startListeningPlanes } from '../support/test-planes.js';
import { createMigratedDatabase, type TestDatabase } from '../support/test-database.js';
import { UserAgent } from '../support/user-agent.js';
import * as client from 'openid-client';

describe('service accounts on the admin plane (SPEC §6.1)', () => {
  let database: TestDatabase;
  let planes: ListeningPlanes;
  let tenant: SeededTenant;
  let other: SeededTenant;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startListeningPlanes(database.url);
    tenant = await seedTenant(planes, 'svc-co');
    other = await seedTenant(planes, 'svc-other');
  });

  afterAll(async () => {
    await planes.close();
    await database.drop();
  });

  async function serviceAccount(tenantId: string, roles: string[]): Promise<SeededClient> {
    const seeded = await seedClient(planes, tenantId, { grantTypes: ['client_credentials'], scopes: ['admin:api'] });
    for (const role of roles) {
      await planes.orm.em.fork().execute(`insert into role_assignments (id, role_key, tenant_id, client_id, created_at) values (?, ?, ?, ?, now())`, [uuidv7(), role, tenantId, seeded.clientId]);
    }
    return seeded;
  }

  async function accessToken(seeded: SeededClient, slug: string): Promise<string> {
    const response = await request(planes.auth.getHttpServer())
      .post(`/t/${slug}/token`)
      .type('form')
      .auth(seeded.clientId, seeded.clientSecret!)
      .send({ grant_type: 'client_credentials' })
      .expect(200);
    return response.body.access_token as string;
  }

  const admin = () => request(planes.admin.getHttpServer());

  it('acts with exactly its tenant roles, in its own tenant only, without a CSRF token', async () => {
    const token = await accessToken(await serviceAccount(tenant.id, ['tenant_admin']), 'svc-co');
    await admin().get(`/api/v1/tenants/${tenant.id}/users`).set('Authorization', `Bearer ${token}`).expect(200);
    const created = await admin().post(`/api/v1/tenants/${tenant.id}/users`).set('Authorization', `Bearer ${token}`).send({ email: 'made-by-service@svc-co.example' }).expect(201);
    expect(created.body.roles).toEqual(['tenant_member']);
    await admin().get(`/api/v1/tenants/${other.id}/users`).set('Authorization', `Bearer ${token}`).expect(403);
    await admin().get('/api/v1/tenants').set('Authorization', `Bearer ${token}`).expect(403);
    await admin().get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(403);
    // An admin never touches the owner, service account or not.
    const owner = await admin().patch(`/api/v1/tenants/${tenant.id}/users/${tenant.owner.id}`).set('Authorization', `Bearer ${token}`).send({ name: 'x' }).expect(403);
    expect(owner.body.code).toBe('owner_protected');
  });

  it('serialises concurrent changes of one client: six PATCHes granting the same role all succeed, and it is held once', async () => {
    const seeded = await serviceAccount(tenant.id, []);
    const owner = await AdminSession.signIn(planes, tenant.owner);
    const answers = await Promise.all([0, 1, 2, 3, 4, 5].map(() => owner.patch(`/api/v1/tenants/${tenant.id}/clients/${seeded.clientId}`, { roles: ['tenant_admin'] })));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const held = await planes.orm.em.fork().execute<{ role_key: string }[]>('select role_key from role_assignments where client_id = ?', [seeded.clientId]);
    expect(held).toEqual([{ role_key: 'tenant_admin' }]);
  });

  it('grants nothing to a client without roles or with the member role', async () => {
    for (const roles of [[], ['tenant_member']]) {
      const token = await accessToken(await serviceAccount(tenant.id, roles), 'svc-co');
      await admin().get(`/api/v1/tenants/${tenant.id}/users`).set('Authorization', `Bearer ${token}`).expect(403);
    }
  });

  it('stops working at once when the token is revoked or the client disabled, and refuses user tokens', async () => {
    const seeded = await serviceAccount(tenant.id, ['tenant_admin']);
    const first = await accessToken(seeded, 'svc-co');
    await request(planes.auth.getHttpServer()).post('/t/svc-co/revoke').type('form').auth(seeded.clientId, seeded.clientSecret!).send({ token: first }).expect(200);
    await admin().get(`/api/v1/tenants/${tenant.id}/users`).set('Authorization', `Bearer ${first}`).expect(401);

    const second = await accessToken(seeded, 'svc-co');
    await planes.orm.em.fork().execute(`update oauth_clients set status = 'disabled' where id = ?`, [seeded.clientId]);
    await admin().get(`/api/v1/tenants/${tenant.id}/users`).set('Authorization', `Bearer ${second}`).expect(401);

    // A user's access token from the code flow is not a service-account credential.
    const user = await seedUser(planes, tenant, 'ada@svc-co.example', ['tenant_admin']);
    const rp = await seedClient(planes, tenant.id, { firstParty: true });
    const config = await client.discovery(new URL(`${planes.authOrigin}/t/svc-co`), rp.clientId, undefined, client.ClientSecretBasic(rp.clientSecret!), { execute: [client.allowInsecureRequests] });
    const flow = await runCodeFlow(config, new UserAgent(), { email: user.email, password: PASSWORD }, { redirectUri: 'http://127.0.0.1:9999/callback', scope: 'openid' });
    const tokens = await client.authorizationCodeGrant(config, flow.callback, { pkceCodeVerifier: flow.verifier, expectedNonce: flow.nonce, expectedState: flow.state });
    await admin().get(`/api/v1/tenants/${tenant.id}/users`).set('Authorization', `Bearer ${tokens.access_token}`).expect(401);
    await admin().get(`/api/v1/tenants/${tenant.id}/users`).set('Authorization', 'Bearer not-a-token').expect(401);
  });
});
