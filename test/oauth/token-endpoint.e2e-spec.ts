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

  it('issues concurrent grants (written together, in shared statements) each with its own token row, expiry and audit event', async () => {
    const concurrent = await seedClient(planes, tenant.id, { grantTypes: ['client_credentials'], scopes: ['api:read', 'api:write'], accessTokenTtlSeconds: 600 });
    const grant = (scope: string) =>
      fetch(`${planes.authOrigin}/t/tokens-co/token`, {
        method: 'POST',
        headers: { authorization: basic(concurrent.clientId, concurrent.clientSecret!), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as { access_token: string; scope: string } }));
    const answers = await Promise.all(Array.from({ length: 40 }, (_, index) => grant(index % 2 ? 'api:read' : 'api:write')));
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    expect(new Set(answers.map((answer) => answer.body.access_token)).size).toBe(40);

    const { createHash } = await import('node:crypto');
    const rows = await planes.orm.em.fork().execute<{ token_hash: string; scope: string; ttl: number }[]>(
      'select token_hash, scope, extract(epoch from expires_at - created_at)::int as ttl from oauth_access_tokens where client_id = ?',
      [concurrent.clientId],
    );
    expect(rows).toHaveLength(40);
    const byHash = new Map(rows.map((row) => [row.token_hash, row]));
    for (const answer of answers) {
      expect(byHash.get(createHash('sha256').update(answer.body.access_token).digest('hex'))).toMatchObject({ scope: answer.body.scope, ttl: 600 });
    }
    const events = await planes.orm.em.fork().execute<{ id: string; scope: string; actor_type: string; target_type: string; target_id: string; outcome: string; grant_type: string }[]>(
      `select id, metadata->>'scope' as scope, actor_type, target_type, target_id, outcome, metadata->>'grant_type' as grant_type
         from audit_events where action = 'token.issued' and actor_id = ? and tenant_id = ?`,
      [concurrent.clientId, tenant.id],
    );
    expect(new Set(events.map((event) => event.id)).size).toBe(40);
    expect(events.filter((event) => event.scope === 'api:read')).toHaveLength(20);
    for (const event of events) {
      expect(event).toMatchObject({ actor_type: 'client', target_type: 'client', target_id: concurrent.clientId, outcome: 'success', grant_type: 'client_credentials' });
    }
    const config = await rp(concurrent);
    for (const answer of answers.slice(0, 5)) expect((await client.tokenIntrospection(config, answer.body.access_token)).active).toBe(true);
  });

  it('rotates concurrent refresh tokens of different users (sharing statements) each within its own family, user and scope', async () => {
    const { createHash, randomBytes } = await import('node:crypto');
    const { uuidv7 } = await import('#platform/ids/uuidv7.js');
    const { seedUser } = await import('../support/admin-api.js');
    const relyingParty = await seedClient(planes, tenant.id, { grantTypes: ['authorization_code', 'refresh_token'] });
    const users = await Promise.all([0, 1, 2, 3].map((index) => seedUser(planes, tenant, `user${index}@tokens-co.example`, ['tenant_member'])));
    const hash = (token: string) => createHash('sha256').update(token).digest('hex');
    const presented = Array.from({ length: 24 }, (_, index) => ({
      token: randomBytes(32).toString('base64url'),
      family: uuidv7(),
      user: users[index % users.length]!.id,
      scope: index % 3 === 0 ? 'openid offline_access' : 'offline_access',
    }));
    for (const seed of presented) {
      await planes.orm.em.fork().execute(
        `insert into oauth_refresh_tokens (id, tenant_id, client_id, user_id, family_id, token_hash, scope, offline, session_id, auth_time, created_at, expires_at)
         values (?, ?, ?, ?, ?, ?, ?, true, null, now(), now(), now() + interval '1 day')`,
        [uuidv7(), tenant.id, relyingParty.clientId, seed.user, seed.family, hash(seed.token), seed.scope],
      );
    }
    const answers = await Promise.all(
      presented.map((seed) =>
        fetch(`${planes.authOrigin}/t/tokens-co/token`, {
          method: 'POST',
          headers: { authorization: basic(relyingParty.clientId, relyingParty.clientSecret!), 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: seed.token }).toString(),
        }).then(async (response) => ({ status: response.status, body: (await response.json()) as { refresh_token: string; access_token: string; scope: string; id_token?: string } })),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(presented.map(() => 200));
    for (const [index, answer] of answers.entries()) {
      const seed = presented[index]!;
      expect(answer.body.scope).toBe(seed.scope);
      expect(Boolean(answer.body.id_token)).toBe(seed.scope.includes('openid'));
      const [fresh] = await planes.orm.em.fork().execute<{ family_id: string; user_id: string }[]>('select family_id, user_id from oauth_refresh_tokens where token_hash = ?', [hash(answer.body.refresh_token)]);
      expect(fresh).toEqual({ family_id: seed.family, user_id: seed.user });
      const [access] = await planes.orm.em.fork().execute<{ grant_id: string; user_id: string }[]>('select grant_id, user_id from oauth_access_tokens where token_hash = ?', [hash(answer.body.access_token)]);
      expect(access).toEqual({ grant_id: seed.family, user_id: seed.user });
      if (answer.body.id_token) expect(JSON.parse(Buffer.from(answer.body.id_token.split('.')[1]!, 'base64url').toString()).sub).toBe(seed.user);
    }

    // Rotations started in the same instant are written in shared statements for sure (the
    // first few alone, the rest together); each still gets its own token's family and user, a
    // token presented twice rotates once, and an unknown one rotates nothing.
    const { TokenRepository } = await import('#oauth/tokens/token.repository.js');
    const repository = planes.auth.get(TokenRepository);
    const now = new Date();
    const [versions] = await planes.orm.em.fork().execute<{ client: string; tenant: string }[]>(
      'select c.xmin::text as client, t.xmin::text as tenant from oauth_clients c join tenants t on t.id = c.tenant_id where c.id = ?',
      [relyingParty.clientId],
    );
    const judged = { id: relyingParty.clientId, tenantId: tenant.id, versions: versions! };
    const rotation = (tokenHash: string, client = judged) => ({
      client, tokenHash, scope: null, refreshId: uuidv7(), refreshHash: hash(randomBytes(32).toString('base64url')),
      accessId: uuidv7(), accessHash: hash(randomBytes(32).toString('base64url')), accessExpiresAt: new Date(now.getTime() + 60_000), now,
      audit: { id: uuidv7(), occurredAt: now, ip: null, userAgent: null, requestId: null, metadata: '{}' },
    });
    const again = presented.map((seed) => ({ ...seed, token: randomBytes(32).toString('base64url'), family: uuidv7() }));
    for (const seed of again) {
      await planes.orm.em.fork().execute(
        `insert into oauth_refresh_tokens (id, tenant_id, client_id, user_id, family_id, token_hash, scope, offline, session_id, auth_time, created_at, expires_at)
         values (?, ?, ?, ?, ?, ?, ?, true, null, now(), now(), now() + interval '1 day')`,
        [uuidv7(), tenant.id, relyingParty.clientId, seed.user, seed.family, hash(seed.token), seed.scope],
      );
    }
    // The last one was judged on a client version that is no longer the current one: it is
    // refused as changed, whatever the others in its statement do.
    const outdated = { ...judged, versions: { ...judged.versions, client: String(Number(judged.versions.client) - 1) } };
    const burst = [...again.map((seed) => rotation(hash(seed.token))), rotation(hash(again[0]!.token)), rotation(hash('unknown')), rotation(hash(again[1]!.token), outdated)];
    const results = await Promise.allSettled(burst.map((request) => repository.rotateRefreshToken(request)));
    const valueOf = (result: PromiseSettledResult<unknown> | undefined) => (result?.status === 'fulfilled' ? result.value : 'rejected');
    // The two presentations of the first token may go in different statements, run at once on
    // different connections: either may win, never both.
    const [first, second] = [valueOf(results[0]), valueOf(results.at(-3))];
    expect([first, second].filter((value) => value === null)).toHaveLength(1);
    expect(first ?? second).toMatchObject({ familyId: again[0]!.family, userId: again[0]!.user, scope: again[0]!.scope });
    results.slice(1, again.length).forEach((result, index) =>
      expect(valueOf(result)).toMatchObject({ familyId: again[index + 1]!.family, userId: again[index + 1]!.user, scope: again[index + 1]!.scope }),
    );
    expect(results.at(-2)).toEqual({ status: 'fulfilled', value: null });
    expect(results.at(-1)).toMatchObject({ status: 'rejected', reason: { code: 'temporarily_unavailable' } });
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
    // Every 401 names a scheme the client may use (RFC 9110 §15.5.2), whatever the client tried.
    const post = await token().send({ grant_type: 'client_credentials', client_id: service.clientId, client_secret: 'wrong' }).expect(401);
    expect(post.body.error).toBe('invalid_client');
    expect(post.headers['www-authenticate']).toMatch(/^Basic realm="opentrusty"/);
    const anonymous = await token().send({ grant_type: 'client_credentials' }).expect(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Basic realm="opentrusty"/);
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
