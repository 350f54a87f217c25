import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RequestContext } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import request, { type Response } from 'supertest';
import { clientSecretMatches, hashClientSecret } from '#oauth/clients/client-secret.js';
import { OAuthClientRepository } from '#oauth/clients/oauth-client.repository.js';
import { AdminSession, PASSWORD, seedPlatformAdmin, seedTenant, seedUser, type SeededTenant, type SeededUser } from '../support/admin-api.js';
import { startTestPlanes, type TestPlanes } from '../support/test-planes.js';
import { createMigratedDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * The OAuth clients resource of the admin plane (SPEC §3, §5.1, §5.4, §6.1, §6.2), through HTTP
 * against real PostgreSQL: registration of each kind of client and its rules, the secret shown
 * once and stored only hashed, who may manage clients, tenant isolation, changes, secret
 * rotation, and the revocation of a client's tokens when it is disabled or deleted.
 */

const API = '/api/v1';
const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** A valid confidential web application; tests override what they are about. */
const WEB_APP = {
  name: 'Web app',
  type: 'confidential',
  redirect_uris: ['https://app.example/callback'],
  grant_types: ['authorization_code', 'refresh_token'],
  scopes: ['openid', 'profile', 'email', 'offline_access'],
} as const;

/** A valid service account (client_credentials with tenant roles). */
const SERVICE_ACCOUNT = {
  name: 'Provisioning robot',
  type: 'confidential',
  redirect_uris: [],
  grant_types: ['client_credentials'],
  scopes: ['users:write'],
  roles: ['tenant_admin'],
} as const;

let sequence = 0;
const unique = (prefix: string) => `${prefix}-${++sequence}`;

function expectProblem(response: Response, status: number, code: string): void {
  expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
}

interface ClientRow {
  id: string;
  tenant_id: string;
  type: string;
  token_endpoint_auth_method: string;
  secret_hash: string | null;
  secret_rotated_at: string | null;
  status: string;
  deleted_at: string | null;
  [column: string]: unknown;
}

describe('OAuth clients on the admin plane (SPEC §6.2)', () => {
  let database: TestDatabase;
  let planes: TestPlanes;
  let acme: SeededTenant;
  let acmeAdmin: SeededUser;
  let acmeMember: SeededUser;
  let globex: SeededTenant;
  let owner: AdminSession;
  let admin: AdminSession;
  let globexOwner: AdminSession;
  let platformAdmin: AdminSession;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startTestPlanes(database.url);
    const root = await seedPlatformAdmin(planes);
    acme = await seedTenant(planes, 'acme');
    acmeAdmin = await seedUser(planes, acme, 'admin@acme.example', ['tenant_admin']);
    acmeMember = await seedUser(planes, acme, 'member@acme.example', ['tenant_member']);
    globex = await seedTenant(planes, 'globex');
    owner = await AdminSession.signIn(planes, acme.owner);
    admin = await AdminSession.signIn(planes, acmeAdmin);
    globexOwner = await AdminSession.signIn(planes, globex.owner);
    platformAdmin = await AdminSession.signIn(planes, root);
  });

  afterAll(async () => {
    await planes?.close();
    await database?.drop();
  });

  const sql = <T extends object[] = Record<string, unknown>[]>(query: string, params: unknown[] = []) => planes.orm.em.fork().getConnection().execute<T>(query, params);
  const clientsPath = (tenantId: string) => `${API}/tenants/${tenantId}/clients`;
  const clientPath = (tenantId: string, clientId: string) => `${clientsPath(tenantId)}/${clientId}`;

  async function clientRow(id: string): Promise<ClientRow | undefined> {
    const [row] = await sql<ClientRow[]>('select * from oauth_clients where id = ?', [id]);
    return row;
  }

  /** Every client row of the tenant and every client role assignment: what a refused request must leave as it was. */
  async function clientState(tenantId: string): Promise<unknown> {
    const clients = await sql('select * from oauth_clients where tenant_id = ? order by id', [tenantId]);
    const roles = await sql('select client_id, role_key, tenant_id from role_assignments where client_id is not null order by client_id, role_key');
    return { clients, roles };
  }

  async function createClient(session: AdminSession, tenantId: string, body: object = WEB_APP): Promise<{ client: Record<string, any>; client_secret?: string }> {
    const response = await session.post(clientsPath(tenantId), body);
    if (response.status !== 201) throw new Error(`client creation failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  /** One unrevoked access token and one unrevoked refresh token of the client, written as the token endpoint would. */
  async function issueTokens(tenantId: string, clientId: string, userId: string): Promise<{ access: string; refresh: string }> {
    const access = randomUUID();
    const refresh = randomUUID();
    await sql(
      `insert into oauth_access_tokens (id, tenant_id, client_id, user_id, token_hash, scope, created_at, expires_at)
       values (?, ?, ?, ?, ?, 'openid', now(), now() + interval '1 hour')`,
      [access, tenantId, clientId, userId, randomBytes(32).toString('hex')],
    );
    // A family rotated once, as a rotation leaves it: its first row used, and the live token a row
    // that is not the family's head (so it is in neither the client nor the session index).
    const family = randomUUID();
    await sql(
      `insert into oauth_refresh_tokens (id, tenant_id, client_id, user_id, family_id, family_head, token_hash, scope, offline, auth_time, created_at, expires_at, rotated_at)
       values (?, ?, ?, ?, ?, true, ?, 'openid offline_access', true, now(), now(), now() + interval '30 days', now()),
              (?, ?, ?, ?, ?, false, ?, 'openid offline_access', true, now(), now(), now() + interval '30 days', null)`,
      [family, tenantId, clientId, userId, family, randomBytes(32).toString('hex'), refresh, tenantId, clientId, userId, family, randomBytes(32).toString('hex')],
    );
    return { access, refresh };
  }

  async function revokedAt(table: 'oauth_access_tokens' | 'oauth_refresh_tokens', id: string): Promise<Date | null> {
    const [row] = await sql<{ revoked_at: string | null }[]>(`select revoked_at from ${table} where id = ?`, [id]);
    return row!.revoked_at === null ? null : new Date(row!.revoked_at);
  }

  async function tokenRevocations(tokens: { access: string; refresh: string }): Promise<(Date | null)[]> {
    return [await revokedAt('oauth_access_tokens', tokens.access), await revokedAt('oauth_refresh_tokens', tokens.refresh)];
  }

  describe('registration', () => {
    it('registers a confidential client with the defaults; its secret is shown once (43 base64url characters) and only its SHA-256 is stored', async () => {
      const response = await owner.post(clientsPath(acme.id), WEB_APP).expect(201);
      const { client, client_secret: secret } = response.body;
      expect(client).toEqual({
        client_id: expect.any(String),
        tenant_id: acme.id,
        name: 'Web app',
        type: 'confidential',
        token_endpoint_auth_method: 'client_secret_basic',
        redirect_uris: ['https://app.example/callback'],
        post_logout_redirect_uris: [],
        grant_types: ['authorization_code', 'refresh_token'],
        scopes: ['openid', 'profile', 'email', 'offline_access'],
        first_party: false,
        access_token_ttl: 3600,
        refresh_token_ttl: 2_592_000,
        id_token_signed_response_alg: 'RS256',
        status: 'active',
        roles: [],
        secret_rotated_at: null,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      expect(secret).toMatch(SECRET_SHAPE);

      const row = await clientRow(client.client_id);
      expect(row!.secret_hash).toBe(hashClientSecret(secret));
      expect(JSON.stringify(row)).not.toContain(secret);

      // The secret never appears again, and neither does its hash.
      const read = await owner.get(clientPath(acme.id, client.client_id)).expect(200);
      expect(read.body).toEqual(client);
      const listed = await owner.get(`${clientsPath(acme.id)}?limit=200`).expect(200);
      for (const body of [read.text, listed.text]) {
        expect(body).not.toContain(secret);
        expect(body).not.toContain(row!.secret_hash!);
        expect(body).not.toContain('secret_hash');
      }
    });

    it('registers a public client (PKCE, no secret): method none, no secret in the answer, no hash in the database', async () => {
      const body = { name: 'Single-page app', type: 'public', redirect_uris: ['https://spa.example/cb'], post_logout_redirect_uris: ['https://spa.example/'], grant_types: ['authorization_code', 'refresh_token'], scopes: ['openid', 'offline_access'], first_party: true };
      const response = await admin.post(clientsPath(acme.id), body).expect(201);
      expect(response.body).not.toHaveProperty('client_secret');
      expect(response.body.client).toMatchObject({ type: 'public', token_endpoint_auth_method: 'none', first_party: true, post_logout_redirect_uris: ['https://spa.example/'] });
      expect((await clientRow(response.body.client.client_id))!.secret_hash).toBeNull();
    });

    it('registers a public client that names its method none explicitly', async () => {
      const response = await owner.post(clientsPath(acme.id), { ...WEB_APP, type: 'public', token_endpoint_auth_method: 'none' }).expect(201);
      expect(response.body.client.token_endpoint_auth_method).toBe('none');
    });

    it('registers a service account: client_credentials with tenant roles, stored in role_assignments with the client id and shown in the view', async () => {
      const body = { ...SERVICE_ACCOUNT, roles: ['tenant_member', 'tenant_admin'], scopes: ['users:write', 'orders.read', 'https://api.example/reports'], token_endpoint_auth_method: 'client_secret_post', access_token_ttl: 600 };
      const response = await owner.post(clientsPath(acme.id), body).expect(201);
      const { client, client_secret: secret } = response.body;
      expect(client).toMatchObject({ grant_types: ['client_credentials'], redirect_uris: [], token_endpoint_auth_method: 'client_secret_post', access_token_ttl: 600, roles: ['tenant_admin', 'tenant_member'] });
      expect(secret).toMatch(SECRET_SHAPE);
      const assignments = await sql<{ role_key: string; tenant_id: string; user_id: string | null }[]>('select role_key, tenant_id, user_id from role_assignments where client_id = ? order by role_key', [client.client_id]);
      expect(assignments).toEqual([
        { role_key: 'tenant_admin', tenant_id: acme.id, user_id: null },
        { role_key: 'tenant_member', tenant_id: acme.id, user_id: null },
      ]);
      expect((await owner.get(clientPath(acme.id, client.client_id)).expect(200)).body.roles).toEqual(['tenant_admin', 'tenant_member']);
    });

    it('registers a confidential client using every grant, with its own lifetimes and ES256 ID tokens', async () => {
      const body = { ...WEB_APP, grant_types: ['authorization_code', 'refresh_token', 'client_credentials'], access_token_ttl: 60, refresh_token_ttl: 31_536_000, id_token_signed_response_alg: 'ES256', roles: ['tenant_member'] };
      const { client } = await createClient(owner, acme.id, body);
      expect(client).toMatchObject({ access_token_ttl: 60, refresh_token_ttl: 31_536_000, id_token_signed_response_alg: 'ES256', roles: ['tenant_member'] });
    });

    it('accepts plain http redirect URIs on loopback hosts only (localhost, 127.0.0.1, [::1], any port)', async () => {
      const uris = ['http://localhost/cb', 'http://localhost:3000/cb', 'http://127.0.0.1:8080/callback?x=1', 'http://[::1]:5000/cb'];
      const { client } = await createClient(owner, acme.id, { ...WEB_APP, type: 'public', redirect_uris: uris, post_logout_redirect_uris: ['http://localhost:3000/'] });
      expect(client.redirect_uris).toEqual(uris);
    });

    const tooMany = (count: number, make: (index: number) => string) => Array.from({ length: count }, (_, index) => make(index));

    /** Each body breaks exactly one rule. */
    const REFUSED: [string, string, object][] = [
      ['a plain http redirect URI on a public host', 'validation_failed', { redirect_uris: ['http://app.example/cb'] }],
      ['a redirect URI with a fragment', 'validation_failed', { redirect_uris: ['https://app.example/cb#done'] }],
      ['a redirect URI with an empty fragment', 'validation_failed', { redirect_uris: ['https://app.example/cb#'] }],
      ['a wildcard host in a redirect URI', 'validation_failed', { redirect_uris: ['https://*.app.example/cb'] }],
      ['a wildcard path in a redirect URI', 'validation_failed', { redirect_uris: ['https://app.example/*'] }],
      ['a wildcard port in a redirect URI', 'validation_failed', { redirect_uris: ['http://localhost:*/cb'] }],
      ['a relative redirect URI', 'validation_failed', { redirect_uris: ['/callback'] }],
      ['a custom-scheme redirect URI', 'validation_failed', { redirect_uris: ['javascript:alert(1)'] }],
      ['a redirect URI with credentials', 'validation_failed', { redirect_uris: ['https://user:pass@app.example/cb'] }],
      ['a redirect URI of 2001 characters', 'validation_failed', { redirect_uris: [`https://app.example/${'a'.repeat(2001 - 'https://app.example/'.length)}`] }],
      ['21 redirect URIs', 'validation_failed', { redirect_uris: tooMany(21, (index) => `https://app.example/cb/${index}`) }],
      ['a duplicate redirect URI', 'validation_failed', { redirect_uris: ['https://app.example/cb', 'https://app.example/cb'] }],
      ['a plain http post-logout URI on a public host', 'validation_failed', { post_logout_redirect_uris: ['http://app.example/'] }],
      ['a wildcard post-logout URI', 'validation_failed', { post_logout_redirect_uris: ['https://app.example/*'] }],
      ['a post-logout URI with a fragment', 'validation_failed', { post_logout_redirect_uris: ['https://app.example/#bye'] }],
      ['21 post-logout URIs', 'validation_failed', { post_logout_redirect_uris: tooMany(21, (index) => `https://app.example/bye/${index}`) }],
      ['a duplicate post-logout URI', 'validation_failed', { post_logout_redirect_uris: ['https://app.example/', 'https://app.example/'] }],
      ['no grant type', 'validation_failed', { grant_types: [] }],
      ['the implicit grant', 'validation_failed', { grant_types: ['implicit'] }],
      ['the password grant', 'validation_failed', { grant_types: ['authorization_code', 'password'] }],
      ['a duplicate grant type', 'validation_failed', { grant_types: ['authorization_code', 'authorization_code'] }],
      ['authorization_code without a redirect URI', 'invalid_client_metadata', { redirect_uris: [] }],
      ['refresh_token without authorization_code', 'invalid_client_metadata', { grant_types: ['client_credentials', 'refresh_token'] }],
      ['client_credentials for a public client', 'invalid_client_metadata', { type: 'public', grant_types: ['authorization_code', 'client_credentials'] }],
      ['client_secret_basic for a public client', 'invalid_client_metadata', { type: 'public', token_endpoint_auth_method: 'client_secret_basic' }],
      ['client_secret_post for a public client', 'invalid_client_metadata', { type: 'public', token_endpoint_auth_method: 'client_secret_post' }],
      ['none for a confidential client', 'invalid_client_metadata', { token_endpoint_auth_method: 'none' }],
      ['an unknown authentication method', 'validation_failed', { token_endpoint_auth_method: 'private_key_jwt' }],
      ['an unknown type', 'validation_failed', { type: 'hybrid' }],
      ['no scope', 'validation_failed', { scopes: [] }],
      ['a scope with a space', 'validation_failed', { scopes: ['openid profile'] }],
      ['a scope with a double quote', 'validation_failed', { scopes: ['say"hi'] }],
      ['a scope with a backslash', 'validation_failed', { scopes: ['a\\b'] }],
      ['a scope with a non-ASCII character', 'validation_failed', { scopes: ['café'] }],
      ['an empty scope', 'validation_failed', { scopes: [''] }],
      ['a scope of 129 characters', 'validation_failed', { scopes: ['s'.repeat(129)] }],
      ['51 scopes', 'validation_failed', { scopes: tooMany(51, (index) => `api:${index}`) }],
      ['a duplicate scope', 'validation_failed', { scopes: ['openid', 'openid'] }],
      ['an access-token lifetime under 60 s', 'validation_failed', { access_token_ttl: 59 }],
      ['an access-token lifetime over 1 day', 'validation_failed', { access_token_ttl: 86_401 }],
      ['a fractional access-token lifetime', 'validation_failed', { access_token_ttl: 90.5 }],
      ['an access-token lifetime as a string', 'validation_failed', { access_token_ttl: '3600' }],
      ['a refresh-token lifetime under 300 s', 'validation_failed', { refresh_token_ttl: 299 }],
      ['a refresh-token lifetime over a year', 'validation_failed', { refresh_token_ttl: 31_536_001 }],
      ['HS256 ID tokens', 'validation_failed', { id_token_signed_response_alg: 'HS256' }],
      ['unsigned ID tokens', 'validation_failed', { id_token_signed_response_alg: 'none' }],
      ['roles without client_credentials', 'invalid_client_metadata', { roles: ['tenant_member'] }],
      ['the tenant_owner role', 'validation_failed', { ...SERVICE_ACCOUNT, roles: ['tenant_owner'] }],
      ['the platform_admin role', 'validation_failed', { ...SERVICE_ACCOUNT, roles: ['platform_admin'] }],
      ['an unknown role', 'validation_failed', { ...SERVICE_ACCOUNT, roles: ['superuser'] }],
      ['a duplicate role', 'validation_failed', { ...SERVICE_ACCOUNT, roles: ['tenant_admin', 'tenant_admin'] }],
      ['an empty name', 'validation_failed', { name: '   ' }],
      ['a name of 201 characters', 'validation_failed', { name: 'n'.repeat(201) }],
      ['a secret chosen by the caller', 'validation_failed', { client_secret: 'my-own-secret-my-own-secret-my-own-secret' }],
      ['a client id chosen by the caller', 'validation_failed', { client_id: randomUUID() }],
      ['a status', 'validation_failed', { status: 'disabled' }],
    ];

    it.each(REFUSED)('refuses %s: 400 %s, and creates nothing', async (_label, code, override) => {
      const before = await clientState(acme.id);
      const response = await owner.post(clientsPath(acme.id), { ...WEB_APP, ...override });
      expectProblem(response, 400, code);
      expect(response.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ location: 'body' })]));
      expect(await clientState(acme.id)).toEqual(before);
    });

    it('names each problem of the combination, without echoing the submitted values', async () => {
      const response = await owner.post(clientsPath(acme.id), { ...WEB_APP, type: 'public', token_endpoint_auth_method: 'client_secret_basic', redirect_uris: [], roles: ['tenant_admin'] });
      expectProblem(response, 400, 'invalid_client_metadata');
      expect(response.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(['redirect_uris', 'roles', 'token_endpoint_auth_method']);
      const wildcard = await owner.post(clientsPath(acme.id), { ...WEB_APP, redirect_uris: ['https://evil-*.example/steal'] });
      expectProblem(wildcard, 400, 'validation_failed');
      expect(wildcard.text).not.toContain('evil-');
    });
  });

  describe('who may manage clients (SPEC §3): the owner and admins of the tenant', () => {
    it('a tenant_admin can do everything the owner can', async () => {
      const { client, client_secret: secret } = await createClient(admin, acme.id, SERVICE_ACCOUNT);
      expect(secret).toMatch(SECRET_SHAPE);
      await admin.get(clientsPath(acme.id)).expect(200);
      await admin.get(clientPath(acme.id, client.client_id)).expect(200);
      await admin.patch(clientPath(acme.id, client.client_id), { name: 'Renamed by the admin' }).expect(200);
      await admin.post(`${clientPath(acme.id, client.client_id)}/secret`).expect(200);
      await admin.delete(clientPath(acme.id, client.client_id)).expect(204);
    });

    it('a tenant_member cannot sign in to the admin plane, and an admin demoted to member loses access at once', async () => {
      const login = await request(planes.admin.getHttpServer()).post(`${API}/auth/login`).send({ tenant: acme.slug, email: acmeMember.email, password: PASSWORD });
      expectProblem(login, 403, 'admin_login_forbidden');

      const demoted = await seedUser(planes, acme, `${unique('demoted')}@acme.example`, ['tenant_admin']);
      const session = await AdminSession.signIn(planes, demoted);
      await session.get(clientsPath(acme.id)).expect(200);
      await owner.put(`${API}/tenants/${acme.id}/users/${demoted.id}/roles`, { roles: ['tenant_member'] }).expect(200);
      const before = await clientState(acme.id);
      expectProblem(await session.get(clientsPath(acme.id)), 401, 'unauthenticated');
      expectProblem(await session.post(clientsPath(acme.id), WEB_APP), 401, 'unauthenticated');
      expect(await clientState(acme.id)).toEqual(before);
    });

    it('a platform administrator (of another tenant) cannot read or manage a tenant’s clients (403 forbidden)', async () => {
      const { client } = await createClient(owner, acme.id);
      const before = await clientState(acme.id);
      const path = clientPath(acme.id, client.client_id);
      for (const response of [
        await platformAdmin.get(clientsPath(acme.id)),
        await platformAdmin.post(clientsPath(acme.id), WEB_APP),
        await platformAdmin.get(path),
        await platformAdmin.patch(path, { status: 'disabled' }),
        await platformAdmin.post(`${path}/secret`),
        await platformAdmin.delete(path),
      ]) {
        expectProblem(response, 403, 'forbidden');
      }
      expect(await clientState(acme.id)).toEqual(before);
    });

    it('refuses anonymous callers (401) and cookie-authenticated changes without the CSRF token (403), creating nothing', async () => {
      const before = await clientState(acme.id);
      expectProblem(await request(planes.admin.getHttpServer()).get(clientsPath(acme.id)), 401, 'unauthenticated');
      expectProblem(await request(planes.admin.getHttpServer()).post(clientsPath(acme.id)).send(WEB_APP), 401, 'unauthenticated');
      const forged = await request(planes.admin.getHttpServer()).post(clientsPath(acme.id)).set('Cookie', owner.cookie).send(WEB_APP);
      expectProblem(forged, 403, 'csrf_token_invalid');
      expect(await clientState(acme.id)).toEqual(before);
    });
  });

  describe('tenant isolation (SPEC §4)', () => {
    it('the owner and an admin of acme get 403 on every client route of globex, and globex is unchanged', async () => {
      const { client } = await createClient(globexOwner, globex.id);
      const before = await clientState(globex.id);
      const path = clientPath(globex.id, client.client_id);
      for (const session of [owner, admin]) {
        for (const response of [
          await session.get(clientsPath(globex.id)),
          await session.post(clientsPath(globex.id), WEB_APP),
          await session.get(path),
          await session.patch(path, { redirect_uris: ['https://attacker.example/cb'] }),
          await session.post(`${path}/secret`),
          await session.delete(path),
        ]) {
          expectProblem(response, 403, 'forbidden');
        }
      }
      expect(await clientState(globex.id)).toEqual(before);
    });

    it('globex’s client id under acme’s own path is 404 client_not_found, exactly like an unknown id', async () => {
      const { client } = await createClient(globexOwner, globex.id);
      const tokens = await issueTokens(globex.id, client.client_id, globex.owner.id);
      const before = await clientState(globex.id);
      for (const clientId of [client.client_id, randomUUID()]) {
        const path = clientPath(acme.id, clientId);
        for (const response of [await owner.get(path), await owner.patch(path, { status: 'disabled' }), await owner.post(`${path}/secret`), await owner.delete(path)]) {
          expectProblem(response, 404, 'client_not_found');
          expect(response.body.detail).toBe('No such client in this tenant.');
        }
      }
      expect(await clientState(globex.id)).toEqual(before);
      expect(await tokenRevocations(tokens)).toEqual([null, null]);
      const listed = (await owner.get(`${clientsPath(acme.id)}?limit=200`).expect(200)).body.items as { client_id: string }[];
      expect(listed.map((item) => item.client_id)).not.toContain(client.client_id);
    });
  });

  describe('listing and reading', () => {
    it('lists the tenant’s clients in creation order with cursor pagination, and filters by status', async () => {
      const tenant = await seedTenant(planes, unique('listing'));
      const session = await AdminSession.signIn(planes, tenant.owner);
      const created: string[] = [];
      for (let index = 0; index < 3; index++) created.push((await createClient(session, tenant.id, { ...WEB_APP, name: `App ${index}` })).client.client_id);
      await session.patch(clientPath(tenant.id, created[1]!), { status: 'disabled' }).expect(200);

      const first = await session.get(`${clientsPath(tenant.id)}?limit=2`).expect(200);
      expect(first.body.items.map((item: { client_id: string }) => item.client_id)).toEqual(created.slice(0, 2));
      expect(first.body.next_cursor).toEqual(expect.any(String));
      const second = await session.get(`${clientsPath(tenant.id)}?limit=2&cursor=${first.body.next_cursor}`).expect(200);
      expect(second.body).toEqual({ items: [expect.objectContaining({ client_id: created[2], name: 'App 2' })], next_cursor: null });

      const disabled = await session.get(`${clientsPath(tenant.id)}?status=disabled`).expect(200);
      expect(disabled.body.items.map((item: { client_id: string }) => item.client_id)).toEqual([created[1]]);
      const active = await session.get(`${clientsPath(tenant.id)}?status=active`).expect(200);
      expect(active.body.items.map((item: { client_id: string }) => item.client_id)).toEqual([created[0], created[2]]);
    });

    it('shows each listed client with its roles', async () => {
      const tenant = await seedTenant(planes, unique('roles-listing'));
      const session = await AdminSession.signIn(planes, tenant.owner);
      const robot = (await createClient(session, tenant.id, SERVICE_ACCOUNT)).client.client_id;
      const web = (await createClient(session, tenant.id)).client.client_id;
      const items = (await session.get(clientsPath(tenant.id)).expect(200)).body.items as { client_id: string; roles: string[] }[];
      expect(items.map((item) => [item.client_id, item.roles])).toEqual([
        [robot, ['tenant_admin']],
        [web, []],
      ]);
    });

    it('refuses a bad cursor, limit or status (400)', async () => {
      expectProblem(await owner.get(`${clientsPath(acme.id)}?cursor=not-a-cursor`), 400, 'invalid_cursor');
      expectProblem(await owner.get(`${clientsPath(acme.id)}?limit=0`), 400, 'validation_failed');
      expectProblem(await owner.get(`${clientsPath(acme.id)}?status=deleted`), 400, 'validation_failed');
      expectProblem(await owner.get(clientPath(acme.id, 'not-a-uuid')), 400, 'invalid_id');
    });
  });

  describe('changes', () => {
    it('changes the registration; the answer and a later read agree', async () => {
      const { client } = await createClient(owner, acme.id);
      const patch = {
        name: 'Web app v2',
        redirect_uris: ['https://app.example/v2/callback', 'http://localhost:3000/callback'],
        post_logout_redirect_uris: ['https://app.example/'],
        grant_types: ['authorization_code'],
        scopes: ['openid', 'api:read'],
        first_party: true,
        access_token_ttl: 900,
        refresh_token_ttl: 86_400,
        id_token_signed_response_alg: 'ES256',
        token_endpoint_auth_method: 'client_secret_post',
      };
      const response = await owner.patch(clientPath(acme.id, client.client_id), patch).expect(200);
      expect(response.body).toMatchObject({ ...patch, client_id: client.client_id, type: 'confidential', status: 'active', created_at: client.created_at });
      expect((await owner.get(clientPath(acme.id, client.client_id)).expect(200)).body).toEqual(response.body);
      // The secret is untouched by a change of method.
      expect((await clientRow(client.client_id))!.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    });

    /** Each patch would leave the client breaking a rule (the web app: confidential, authorization_code + refresh_token). */
    const REFUSED_PATCHES: [string, string, 'web' | 'public' | 'robot', object][] = [
      ['changing the type', 'validation_failed', 'web', { type: 'public' }],
      ['a confidential client switching to none', 'invalid_client_metadata', 'web', { token_endpoint_auth_method: 'none' }],
      ['a public client switching to a secret method', 'invalid_client_metadata', 'public', { token_endpoint_auth_method: 'client_secret_basic' }],
      ['a public client taking client_credentials', 'invalid_client_metadata', 'public', { grant_types: ['authorization_code', 'client_credentials'] }],
      ['removing the last redirect URI of an authorization_code client', 'invalid_client_metadata', 'web', { redirect_uris: [] }],
      ['keeping refresh_token without authorization_code', 'invalid_client_metadata', 'web', { grant_types: ['refresh_token'] }],
      ['giving roles to a client without client_credentials', 'invalid_client_metadata', 'web', { roles: ['tenant_admin'] }],
      ['removing client_credentials from a client holding roles', 'invalid_client_metadata', 'robot', { grant_types: ['authorization_code'], redirect_uris: ['https://robot.example/cb'] }],
      ['giving tenant_owner to a service account', 'validation_failed', 'robot', { roles: ['tenant_owner'] }],
      ['a wildcard redirect URI', 'validation_failed', 'web', { redirect_uris: ['https://*.example/cb'] }],
      ['an unknown status', 'validation_failed', 'web', { status: 'deleted' }],
      ['a secret chosen by the caller', 'validation_failed', 'web', { client_secret: 'x'.repeat(43) }],
      ['nothing to change', 'validation_failed', 'web', {}],
    ];

    it.each(REFUSED_PATCHES)('refuses %s: 400 %s, and changes nothing', async (_label, code, kind, patch) => {
      const body = { web: WEB_APP, public: { ...WEB_APP, type: 'public' }, robot: SERVICE_ACCOUNT }[kind];
      const { client } = await createClient(owner, acme.id, body);
      const before = await clientState(acme.id);
      expectProblem(await owner.patch(clientPath(acme.id, client.client_id), patch), 400, code);
      expect(await clientState(acme.id)).toEqual(before);
    });

    it('turns a web app into a service account and back: grants and roles change together', async () => {
      const { client } = await createClient(owner, acme.id);
      const path = clientPath(acme.id, client.client_id);
      const robot = await owner.patch(path, { grant_types: ['client_credentials'], redirect_uris: [], roles: ['tenant_admin', 'tenant_member'] }).expect(200);
      expect(robot.body).toMatchObject({ grant_types: ['client_credentials'], roles: ['tenant_admin', 'tenant_member'] });
      const narrowed = await owner.patch(path, { roles: ['tenant_member'] }).expect(200);
      expect(narrowed.body.roles).toEqual(['tenant_member']);
      const back = await owner.patch(path, { grant_types: ['authorization_code'], redirect_uris: ['https://app.example/cb'], roles: [] }).expect(200);
      expect(back.body).toMatchObject({ grant_types: ['authorization_code'], roles: [] });
      expect(await sql('select * from role_assignments where client_id = ?', [client.client_id])).toEqual([]);
    });

    it('disabling a client revokes its unrevoked access and refresh tokens, and no other client’s; enabling it again restores none', async () => {
      const { client } = await createClient(owner, acme.id);
      const other = (await createClient(owner, acme.id)).client;
      const tokens = await issueTokens(acme.id, client.client_id, acme.owner.id);
      const earlier = await issueTokens(acme.id, client.client_id, acme.owner.id);
      const earlierRevocation = new Date('2020-01-01T00:00:00Z');
      await sql('update oauth_access_tokens set revoked_at = ? where id = ?', [earlierRevocation, earlier.access]);
      const othersTokens = await issueTokens(acme.id, other.client_id, acme.owner.id);

      const before = planes.clock.now();
      const response = await owner.patch(clientPath(acme.id, client.client_id), { status: 'disabled' }).expect(200);
      const after = planes.clock.now();
      expect(response.body.status).toBe('disabled');
      for (const revoked of await tokenRevocations(tokens)) {
        expect(revoked).toBeInstanceOf(Date);
        expect(revoked!.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1);
        expect(revoked!.getTime()).toBeLessThanOrEqual(after.getTime() + 1);
      }
      // A token revoked before keeps its own revocation time.
      expect(await revokedAt('oauth_access_tokens', earlier.access)).toEqual(earlierRevocation);
      expect(await revokedAt('oauth_refresh_tokens', earlier.refresh)).toBeInstanceOf(Date);
      expect(await tokenRevocations(othersTokens)).toEqual([null, null]);

      const revocations = await tokenRevocations(tokens);
      await owner.patch(clientPath(acme.id, client.client_id), { status: 'active' }).expect(200);
      expect(await tokenRevocations(tokens)).toEqual(revocations);
    });

    it('a change that keeps the client active revokes nothing', async () => {
      const { client } = await createClient(owner, acme.id);
      const tokens = await issueTokens(acme.id, client.client_id, acme.owner.id);
      await owner.patch(clientPath(acme.id, client.client_id), { name: 'Still active', status: 'active' }).expect(200);
      expect(await tokenRevocations(tokens)).toEqual([null, null]);
    });
  });

  describe('deletion', () => {
    it('soft-deletes a client: it disappears, its row stays with deleted_at, its tokens are revoked and its roles removed; other clients are untouched', async () => {
      const { client } = await createClient(owner, acme.id, SERVICE_ACCOUNT);
      const other = (await createClient(owner, acme.id, SERVICE_ACCOUNT)).client;
      const tokens = await issueTokens(acme.id, client.client_id, acme.owner.id);
      const othersTokens = await issueTokens(acme.id, other.client_id, acme.owner.id);
      const globexClient = (await createClient(globexOwner, globex.id)).client;
      const globexTokens = await issueTokens(globex.id, globexClient.client_id, globex.owner.id);

      await owner.delete(clientPath(acme.id, client.client_id)).expect(204);

      expectProblem(await owner.get(clientPath(acme.id, client.client_id)), 404, 'client_not_found');
      expectProblem(await owner.delete(clientPath(acme.id, client.client_id)), 404, 'client_not_found');
      expectProblem(await owner.patch(clientPath(acme.id, client.client_id), { status: 'active' }), 404, 'client_not_found');
      expectProblem(await owner.post(`${clientPath(acme.id, client.client_id)}/secret`), 404, 'client_not_found');
      const listed = (await owner.get(`${clientsPath(acme.id)}?limit=200`).expect(200)).body.items as { client_id: string }[];
      expect(listed.map((item) => item.client_id)).not.toContain(client.client_id);
      expect(listed.map((item) => item.client_id)).toContain(other.client_id);

      expect((await clientRow(client.client_id))!.deleted_at).not.toBeNull();
      for (const revoked of await tokenRevocations(tokens)) expect(revoked).toBeInstanceOf(Date);
      expect(await sql('select * from role_assignments where client_id = ?', [client.client_id])).toEqual([]);

      expect(await tokenRevocations(othersTokens)).toEqual([null, null]);
      expect(await tokenRevocations(globexTokens)).toEqual([null, null]);
      expect((await owner.get(clientPath(acme.id, other.client_id)).expect(200)).body.roles).toEqual(['tenant_admin']);
    });
  });

  describe('token revocation inside the caller’s transaction', () => {
    it('is undone when the transaction that revoked rolls back, and counts what it revoked when it commits', async () => {
      const { client } = await createClient(owner, acme.id);
      const tokens = await issueTokens(acme.id, client.client_id, acme.owner.id);
      const clients = planes.admin.get(OAuthClientRepository);
      const em = planes.admin.get(EntityManager);
      const failure = new Error('the rest of the use case failed');
      await expect(
        RequestContext.create(em, () =>
          em.transactional(async () => {
            await clients.revokeTokensOfClient(acme.id, client.client_id, new Date());
            throw failure;
          }),
        ),
      ).rejects.toBe(failure);
      expect(await tokenRevocations(tokens)).toEqual([null, null]);

      // The tenant is part of the statement: another tenant's id revokes nothing.
      expect(await RequestContext.create(em, () => clients.revokeTokensOfClient(globex.id, client.client_id, new Date()))).toEqual({ accessTokens: 0, refreshTokens: 0 });
      // Both rows of the refresh-token family: the used first one and the live one.
      expect(await RequestContext.create(em, () => clients.revokeTokensOfClient(acme.id, client.client_id, new Date()))).toEqual({ accessTokens: 1, refreshTokens: 2 });
      expect(await RequestContext.create(em, () => clients.revokeTokensOfClient(acme.id, client.client_id, new Date()))).toEqual({ accessTokens: 0, refreshTokens: 0 });
    });
  });

  describe('secret rotation', () => {
    it('replaces the secret: a new 43-character secret, a new hash, the old secret no longer matches', async () => {
      const { client, client_secret: oldSecret } = await createClient(owner, acme.id);
      const oldHash = (await clientRow(client.client_id))!.secret_hash!;

      const response = await owner.post(`${clientPath(acme.id, client.client_id)}/secret`).expect(200);
      expect(response.body).toEqual({ client_id: client.client_id, client_secret: expect.stringMatching(SECRET_SHAPE) });
      const newSecret = response.body.client_secret as string;
      expect(newSecret).not.toBe(oldSecret);

      const row = (await clientRow(client.client_id))!;
      expect(row.secret_hash).not.toBe(oldHash);
      expect(row.secret_hash).toBe(hashClientSecret(newSecret));
      expect(clientSecretMatches(row.secret_hash, newSecret)).toBe(true);
      expect(clientSecretMatches(row.secret_hash, oldSecret!)).toBe(false);
      expect(JSON.stringify(row)).not.toContain(newSecret);

      const read = await owner.get(clientPath(acme.id, client.client_id)).expect(200);
      expect(read.body.secret_rotated_at).toEqual(expect.any(String));
      expect(read.text).not.toContain(newSecret);
    });

    it('refuses for a public client, which has no secret (409 public_client_has_no_secret)', async () => {
      const { client } = await createClient(owner, acme.id, { ...WEB_APP, type: 'public' });
      expectProblem(await owner.post(`${clientPath(acme.id, client.client_id)}/secret`), 409, 'public_client_has_no_secret');
      expect((await clientRow(client.client_id))!.secret_hash).toBeNull();
    });

    it('takes no request body', async () => {
      const { client } = await createClient(owner, acme.id);
      const before = await clientRow(client.client_id);
      expectProblem(await owner.post(`${clientPath(acme.id, client.client_id)}/secret`, { client_secret: 'x'.repeat(43) }), 400, 'validation_failed');
      expect(await clientRow(client.client_id)).toEqual(before);
    });
  });
});
