import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import request from 'supertest';
import { seedTenant, type SeededTenant } from '../support/admin-api.js';
import { seedClient, type SeededClient } from '../support/oauth-clients.js';
import { type ListeningPlanes, startListeningPlanes } from '../support/test-planes.js';
import { createMigratedDatabase, type TestDatabase } from '../support/test-database.js';

describe('token endpoint: client authentication, client_credentials, introspection, revocation (SPEC §5.4, §5.5)', () => {
  let database: TestDatabase;
  let planes: ListeningPlanes;
  let tenant: SeededTenant;
  let service: SeededClient;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startListeningPlanes(database.url);
    tenant = await seedTenant(planes, 'tokens-co');
    service = await seedClient(planes, tenant.id, { grantTypes: ['client_credentials'], scopes: ['api:read', 'api:write'] });
  });

  afterAll(async () => {
    await planes.close();
    await database.drop();
  });

  const rp = (seeded: SeededClient, auth?: client.ClientAuth) =>
    client.discovery(new URL(`${planes.authOrigin}/t/tokens-co`), seeded.clientId, undefined, auth ?? client.ClientSecretBasic(seeded.clientSecret!), { execute: [client.allowInsecureRequests] });
  const token = () => request(planes.auth.getHttpServer()).post('/t/tokens-co/token').type('form');
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

  it('issues an opaque access token to a confidential client (openid-client), stored only as a hash', async () => {
    const config = await rp(service);
    const response = await client.clientCredentialsGrant(config, { scope: 'api:read' });
    expect(response.access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(response.token_type).toBe('bearer');
    expect(response.expires_in).toBe(3600);
    expect(response.scope).toBe('api:read');
    expect(response.refresh_token).toBeUndefined();
    expect(response.id_token).toBeUndefined();
    const rows = await planes.orm.em.fork().execute<{ token_hash: string }[]>('select token_hash from oauth_access_tokens where client_id = ?', [service.clientId]);
    expect(rows.map((row) => row.token_hash)).not.toContain(response.access_token);
  });

  it('answers with Cache-Control: no-store and grants all API scopes when none is asked', async () => {
    const response = await token().set('Authorization', basic(service.clientId, service.clientSecret!)).send({ grant_type: 'client_credentials' }).expect(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers.pragma).toBe('no-cache');
    expect(response.body.scope).toBe('api:read api:write');
  });

  it('enforces the registered authentication method', async () => {
    const post = await seedClient(planes, tenant.id, { authMethod: 'client_secret_post', grantTypes: ['client_credentials'], scopes: ['api:read'] });
    await token().send({ grant_type: 'client_credentials', client_id: post.clientId, client_secret: post.clientSecret }).expect(200);
    const wrongMethod = await token().set('Authorization', basic(post.clientId, post.clientSecret!)).send({ grant_type: 'client_credentials' }).expect(401);
    expect(wrongMethod.body.error).toBe('invalid_client');
    await token().send({ grant_type: 'client_credentials', client_id: service.clientId, client_secret: service.clientSecret }).expect(401);
  });

  it('answers every client authentication failure with 401 invalid_client, and WWW-Authenticate when Basic was used', async () => {
    const cases = [
      basic(service.clientId, 'wrong-secret'),
      basic('0193a0e8-0000-7000-8000-000000000999', service.clientSecret!),
      basic('not-a-uuid', 'x'),
      'Basic !!!not-base64',
      'Basic ' + Buffer.from('no-colon').toString('base64'),
    ];
    for (const authorization of cases) {
      const response = await token().set('Authorization', authorization).send({ grant_type: 'client_credentials' }).expect(401);
      expect(response.body.error).toBe('invalid_client');
      expect(response.headers['www-authenticate']).toMatch(/^Basic realm="opentrusty"/);
    }
    const post = await token().send({ grant_type: 'client_credentials', client_id: service.clientId, client_secret: 'wrong' }).expect(401);
    expect(post.body.error).toBe('invalid_client');
    expect(post.headers['www-authenticate']).toBeUndefined();
    await token().send({ grant_type: 'client_credentials' }).expect(401);
  });

  it('refuses two authentication methods at once, repeated parameters and non-form bodies', async () => {
    const both = await token().set('Authorization', basic(service.clientId, service.clientSecret!)).send({ grant_type: 'client_credentials', client_secret: 'x' }).expect(400);
    expect(both.body.error).toBe('invalid_request');
    const repeated = await token().set('Authorization', basic(service.clientId, service.clientSecret!)).send('grant_type=client_credentials&scope=a&scope=b').expect(400);
    expect(repeated.body.error).toBe('invalid_request');
    const json = await request(planes.auth.getHttpServer()).post('/t/tokens-co/token').set('Authorization', basic(service.clientId, service.clientSecret!)).send({ grant_type: 'client_credentials' }).expect(400);
    expect(json.body.error).toBe('invalid_request');
  });

  it('rejects unknown grant types, unallowed grants and scopes', async () => {
    const auth = basic(service.clientId, service.clientSecret!);
    expect((await token().set('Authorization', auth).send({ grant_type: 'password', username: 'a', password: 'b' }).expect(400)).body.error).toBe('unsupported_grant_type');
    expect((await token().set('Authorization', auth).send({}).expect(400)).body.error).toBe('invalid_request');
    expect((await token().set('Authorization', auth).send({ grant_type: 'client_credentials', scope: 'api:admin' }).expect(400)).body.error).toBe('invalid_scope');
    expect((await token().set('Authorization', auth).send({ grant_type: 'client_credentials', scope: 'openid' }).expect(400)).body.error).toBe('invalid_scope');
    const noGrant = await seedClient(planes, tenant.id, { grantTypes: ['authorization_code'] });
    expect((await token().set('Authorization', basic(noGrant.clientId, noGrant.clientSecret!)).send({ grant_type: 'client_credentials' }).expect(400)).body.error).toBe('unauthorized_client');
    const publicClient = await seedClient(planes, tenant.id, { type: 'public' });
    expect((await token().send({ grant_type: 'client_credentials', client_id: publicClient.clientId }).expect(400)).body.error).toBe('unauthorized_client');
  });

  it('introspects tokens of its own tenant only, and reports revoked, expired and unknown tokens inactive', async () => {
    const config = await rp(service);
    const { access_token } = await client.clientCredentialsGrant(config, { scope: 'api:write' });
    const active = await client.tokenIntrospection(config, access_token);
    expect(active).toMatchObject({ active: true, scope: 'api:write', client_id: service.clientId, sub: service.clientId, iss: `${planes.authOrigin}/t/tokens-co`, token_type: 'Bearer' });
    expect(active.exp! - active.iat!).toBe(3600);

    const other = await seedTenant(planes, 'tokens-other');
    const foreign = await seedClient(planes, other.id, { grantTypes: ['client_credentials'] });
    const foreignConfig = await client.discovery(new URL(`${planes.authOrigin}/t/tokens-other`), foreign.clientId, undefined, client.ClientSecretBasic(foreign.clientSecret!), {
      execute: [client.allowInsecureRequests],
    });
    expect(await client.tokenIntrospection(foreignConfig, access_token)).toEqual({ active: false });
    expect(await client.tokenIntrospection(config, 'x'.repeat(43))).toEqual({ active: false });
    expect(await client.tokenIntrospection(config, 'short')).toEqual({ active: false });

    planes.clock.advance(3601_000);
    expect(await client.tokenIntrospection(config, access_token)).toEqual({ active: false });
  });

  it('revokes a token of the requesting client; others’ tokens are untouched; the answer is always 200', async () => {
    const config = await rp(service);
    const { access_token } = await client.clientCredentialsGrant(config, {});
    const second = await seedClient(planes, tenant.id, { grantTypes: ['client_credentials'] });
    const secondConfig = await rp(second);
    await client.tokenRevocation(secondConfig, access_token);
    expect((await client.tokenIntrospection(config, access_token)).active).toBe(true);
    await client.tokenRevocation(config, access_token);
    expect((await client.tokenIntrospection(config, access_token)).active).toBe(false);
    await client.tokenRevocation(config, 'unknown-token-value');
    const missing = await request(planes.auth.getHttpServer()).post('/t/tokens-co/revoke').type('form').set('Authorization', basic(service.clientId, service.clientSecret!)).send({}).expect(400);
    expect(missing.body.error).toBe('invalid_request');
  });

  it('reports a token inactive once its client is disabled', async () => {
    const short = await seedClient(planes, tenant.id, { grantTypes: ['client_credentials'] });
    const { access_token } = await client.clientCredentialsGrant(await rp(short), {});
    const config = await rp(service);
    expect((await client.tokenIntrospection(config, access_token)).active).toBe(true);
    await planes.orm.em.fork().execute(`update oauth_clients set status = 'disabled' where id = ?`, [short.clientId]);
    expect((await client.tokenIntrospection(config, access_token)).active).toBe(false);
  });

  it('answers 404 for an unknown issuer and 403 for a suspended one', async () => {
    expect((await request(planes.auth.getHttpServer()).post('/t/nobody/token').type('form').send({ grant_type: 'client_credentials' }).expect(404)).body.error).toBe('not_found');
    await planes.orm.em.fork().execute(`update tenants set status = 'suspended' where id = ?`, [tenant.id]);
    try {
      const response = await token().set('Authorization', basic(service.clientId, service.clientSecret!)).send({ grant_type: 'client_credentials' }).expect(403);
      expect(response.body.error).toBe('tenant_suspended');
    } finally {
      await planes.orm.em.fork().execute(`update tenants set status = 'active' where id = ?`, [tenant.id]);
    }
  });
});
