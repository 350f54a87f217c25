import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import request from 'supertest';
import { AdminSession, seedPlatformAdmin, seedTenant, type SeededTenant } from '../support/admin-api.js';
import { type ListeningPlanes, startListeningPlanes } from '../support/test-planes.js';
import { createMigratedDatabase, type TestDatabase } from '../support/test-database.js';

describe('discovery and JWKS (SPEC §5.6, RFC 8414)', () => {
  let database: TestDatabase;
  let planes: ListeningPlanes;
  let tenant: SeededTenant;
  let origin: string;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startListeningPlanes(database.url);
    origin = planes.authOrigin;
    tenant = await seedTenant(planes, 'disco');
  });

  afterAll(async () => {
    await planes.close();
    await database.drop();
  });

  const auth = () => planes.auth.getHttpServer();
  const issuer = (slug: string) => `${planes.config.publicUrl}/t/${slug}`;

  it('publishes complete, accurate metadata under the tenant’s issuer', async () => {
    const response = await request(auth()).get('/t/disco/.well-known/openid-configuration').expect(200);
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    const base = issuer('disco');
    expect(response.body).toMatchObject({
      issuer: base,
      authorization_endpoint: `${base}/authorize`,
      token_endpoint: `${base}/token`,
      userinfo_endpoint: `${base}/userinfo`,
      jwks_uri: `${base}/jwks`,
      revocation_endpoint: `${base}/revoke`,
      introspection_endpoint: `${base}/introspect`,
      end_session_endpoint: `${base}/logout`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      id_token_signing_alg_values_supported: ['RS256', 'ES256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    });
    expect(response.body.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'offline_access']));
    expect(response.body.claims_supported).toEqual(expect.arrayContaining(['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'at_hash', 'sid', 'azp', 'email']));
  });

  it('serves the same document at the RFC 8414 location', async () => {
    const oidc = await request(auth()).get('/t/disco/.well-known/openid-configuration').expect(200);
    const oauth = await request(auth()).get('/.well-known/oauth-authorization-server/t/disco').expect(200);
    expect(oauth.body).toEqual(oidc.body);
  });

  it('answers from its in-memory copy with exactly what the route answers', async () => {
    await seedTenant(planes, 'disco-copy');
    const comparable = (response: request.Response) => {
      const { date: _date, 'x-request-id': _id, ...headers } = response.headers;
      return { status: response.status, headers, body: response.text };
    };
    for (const path of ['/t/disco-copy/.well-known/openid-configuration', '/t/disco-copy/jwks']) {
      const first = await request(auth()).get(path).expect(200); // loads and caches the document
      const copy = await request(auth()).get(path).expect(200); // served from the cached bytes
      expect(comparable(copy)).toEqual(comparable(first));
      expect(first.headers['cache-control']).toBe('public, max-age=300');
      expect(first.headers['x-frame-options']).toBe('DENY');
      expect(copy.headers['x-request-id']).toBeDefined();
    }
  });

  it('lets its in-memory copy of the JWKS go after a few seconds, so a rotation is published', async () => {
    const copied = await seedTenant(planes, 'disco-rotates');
    const kids = async () => ((await request(auth()).get('/t/disco-rotates/jwks').expect(200)).body.keys as { kid: string }[]).map((key) => key.kid).sort();
    const before = await kids();
    expect(await kids()).toEqual(before); // from the copy

    const owner = await AdminSession.signIn(planes, copied.owner);
    const staged = ((await owner.post(`/api/v1/tenants/${copied.id}/keys/rotate`, {}).expect(200)).body.items as { kid: string; state: string }[])
      .filter((key) => key.state === 'next').map((key) => key.kid);
    expect(staged).toHaveLength(2);
    expect(await kids()).toEqual(before); // still the copy: discovery documents may be a few seconds old

    planes.clock.advance(11_000); // past the document copy (5 s) and the key cache (10 s)
    expect(await kids()).toEqual(expect.arrayContaining([...before, ...staged]));
  });

  it('is usable by a certified relying-party library', async () => {
    const configuration = await client.discovery(new URL(`${origin}/t/disco`), 'any-client', undefined, undefined, { execute: [client.allowInsecureRequests] });
    expect(configuration.serverMetadata().issuer).toBe(`${origin}/t/disco`);
  });

  it('answers 404 for an unknown or malformed issuer, and 403 on suspended tenants except discovery and JWKS', async () => {
    for (const path of ['/t/nobody/.well-known/openid-configuration', '/t/nobody/jwks', '/.well-known/oauth-authorization-server/t/nobody', '/t/BAD_SLUG/jwks']) {
      const response = await request(auth()).get(path).expect(404);
      expect(response.body).toEqual({ error: 'not_found', error_description: 'No such issuer.' });
    }
    const suspended = await seedTenant(planes, 'paused');
    const operator = await AdminSession.signIn(planes, await seedPlatformAdmin(planes));
    await operator.patch(`/api/v1/tenants/${suspended.id}`, { status: 'suspended' }).expect(200);
    await request(auth()).get('/t/paused/.well-known/openid-configuration').expect(200);
    await request(auth()).get('/t/paused/jwks').expect(200);
    await request(auth()).get('/.well-known/oauth-authorization-server/t/paused').expect(200);
  });

  it('publishes each tenant’s own keys only', async () => {
    const other = await seedTenant(planes, 'disco-two');
    const mine = (await request(auth()).get(`/t/${tenant.slug}/jwks`).expect(200)).body.keys.map((key: { kid: string }) => key.kid);
    const theirs = (await request(auth()).get(`/t/${other.slug}/jwks`).expect(200)).body.keys.map((key: { kid: string }) => key.kid);
    expect(mine).toHaveLength(2);
    expect(theirs).toHaveLength(2);
    expect(mine.filter((kid: string) => theirs.includes(kid))).toEqual([]);
  });
});
