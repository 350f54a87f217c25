import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { RequestContext } from '@mikro-orm/core';
import { calculateJwkThumbprint, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import pg from 'pg';
import request from 'supertest';
import { KeyMaintenanceService } from '#oauth/keys/key-maintenance.service.js';
import { SigningKeyService } from '#oauth/keys/signing-key.service.js';
import { AdminSession, seedTenant, type SeededTenant } from '../support/admin-api.js';
import { runCli } from '../support/cli-process.js';
import { startTestPlanes, type TestPlanes } from '../support/test-planes.js';
import { createMigratedDatabase, type TestDatabase } from '../support/test-database.js';

const HOUR = 3_600_000;

interface KeyRow {
  kid: string;
  alg: string;
  public_jwk: JWK;
  private_jwk_ciphertext: string;
}

describe('signing keys (SPEC §5.7)', () => {
  let database: TestDatabase;
  let planes: TestPlanes;
  let client: pg.Client;
  let tenant: SeededTenant;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startTestPlanes(database.url, { OPENTRUSTY_KEY_CACHE_SECONDS: '0' });
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
    tenant = await seedTenant(planes, 'keys-co');
  });

  afterAll(async () => {
    await client.end();
    await planes.close();
    await database.drop();
  });

  const rows = async (tenantId: string) =>
    (await client.query<KeyRow>('select kid, alg, public_jwk, private_jwk_ciphertext from signing_keys where tenant_id = $1 order by activates_at, alg', [tenantId])).rows;
  const jwks = async (slug: string) => (await request(planes.auth.getHttpServer()).get(`/t/${slug}/jwks`).expect(200)).body.keys as JWK[];
  const inContext = <T>(work: () => Promise<T>) => RequestContext.create(planes.orm.em, work);

  it('creates an RS256 and an ES256 key with the tenant, kid = RFC 7638 thumbprint, private part encrypted', async () => {
    const keys = await rows(tenant.id);
    expect(keys.map((key) => key.alg).sort()).toEqual(['ES256', 'RS256']);
    for (const key of keys) {
      expect(key.kid).toBe(await calculateJwkThumbprint(key.public_jwk, 'sha256'));
      expect(key.public_jwk).not.toHaveProperty('d');
      expect(key.private_jwk_ciphertext).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      expect(key.private_jwk_ciphertext).not.toContain('"d"');
    }
    const published = await jwks(tenant.slug);
    expect(published.map((key) => key.kid).sort()).toEqual(keys.map((key) => key.kid).sort());
    for (const key of published) expect(Object.keys(key).sort()).toEqual(key.kty === 'RSA' ? ['alg', 'e', 'kid', 'kty', 'n', 'use'] : ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
  });

  it('signs with the active key, and the JWKS verifies it', async () => {
    for (const alg of ['RS256', 'ES256'] as const) {
      const { kid, key } = await inContext(() => planes.auth.get(SigningKeyService).signingKey(tenant.id, alg));
      const jwt = await new SignJWT({ probe: true }).setProtectedHeader({ alg, kid }).sign(key);
      const published = (await jwks(tenant.slug)).find((candidate) => candidate.kid === kid)!;
      await expect(jwtVerify(jwt, await importJWK(published, alg))).resolves.toBeDefined();
    }
  });

  it('stages a rotation: published at once as next, signing only after the publication delay, then the old key retires and leaves the JWKS after the ID token lifetime', async () => {
    const owner = await AdminSession.signIn(planes, tenant.owner);
    const before = (await owner.get(`/api/v1/tenants/${tenant.id}/keys`).expect(200)).body.items as { kid: string; alg: string; state: string }[];
    const rotated = (await owner.post(`/api/v1/tenants/${tenant.id}/keys/rotate`, {}).expect(200)).body.items as { kid: string; alg: string; state: string }[];
    const staged = rotated.filter((key) => key.state === 'next');
    expect(staged.map((key) => key.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(rotated.filter((key) => key.state === 'active').map((key) => key.kid).sort()).toEqual(before.map((key) => key.kid).sort());
    expect((await jwks(tenant.slug)).map((key) => key.kid)).toEqual(expect.arrayContaining(staged.map((key) => key.kid)));

    const rsNext = staged.find((key) => key.alg === 'RS256')!.kid;
    expect((await inContext(() => planes.auth.get(SigningKeyService).signingKey(tenant.id, 'RS256'))).kid).not.toBe(rsNext);

    planes.clock.advance(24 * HOUR + 1000);
    expect((await inContext(() => planes.auth.get(SigningKeyService).signingKey(tenant.id, 'RS256'))).kid).toBe(rsNext);
    const later = await AdminSession.signIn(planes, tenant.owner);
    const after = (await later.get(`/api/v1/tenants/${tenant.id}/keys`).expect(200)).body.items as { kid: string; state: string }[];
    for (const old of before) expect(after.find((key) => key.kid === old.kid)?.state).toBe('retired');
    expect((await jwks(tenant.slug)).map((key) => key.kid)).toEqual(expect.arrayContaining(before.map((key) => key.kid)));

    planes.clock.advance(16 * 60_000);
    const published = (await jwks(tenant.slug)).map((key) => key.kid);
    for (const old of before) expect(published).not.toContain(old.kid);
    expect(published.sort()).toEqual(staged.map((key) => key.kid).sort());
  });

  it('rotates at once with now=true, replacing a staged key that never signed', async () => {
    const owner = await AdminSession.signIn(planes, tenant.owner);
    const staged = ((await owner.post(`/api/v1/tenants/${tenant.id}/keys/rotate`, {}).expect(200)).body.items as { kid: string; state: string }[]).filter((key) => key.state === 'next');
    const now = (await owner.post(`/api/v1/tenants/${tenant.id}/keys/rotate`, { now: true }).expect(200)).body.items as { kid: string; state: string }[];
    expect(now.filter((key) => key.state === 'next')).toEqual([]);
    for (const dropped of staged) expect(now.map((key) => key.kid)).not.toContain(dropped.kid);
    expect(now.filter((key) => key.state === 'active')).toHaveLength(2);
  });

  it('serialises rotations of one tenant: four at once leave exactly one unretired key per algorithm, every other key with an expiry', async () => {
    const owner = await AdminSession.signIn(planes, tenant.owner);
    const answers = await Promise.all([0, 1, 2, 3].map(() => owner.post(`/api/v1/tenants/${tenant.id}/keys/rotate`, { now: true })));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    const keys = (await client.query<{ alg: string; retired_at: Date | null; expires_at: Date | null }>('select alg, retired_at, expires_at from signing_keys where tenant_id = $1', [tenant.id])).rows;
    for (const alg of ['ES256', 'RS256']) {
      const ofAlg = keys.filter((key) => key.alg === alg);
      expect(ofAlg.filter((key) => key.retired_at === null)).toHaveLength(1);
      expect(ofAlg.filter((key) => key.retired_at !== null && key.expires_at === null)).toEqual([]);
    }
  });

  it('forgets the decrypted private key of a key once it has left the live set', async () => {
    const other = await seedTenant(planes, 'keys-forget-co');
    const service = planes.auth.get(SigningKeyService);
    const importedKids = () => [...((service as unknown as { imported: Map<string, Map<string, unknown>> }).imported.get(other.id)?.keys() ?? [])].sort();
    const signingKids = async () => (await Promise.all((['RS256', 'ES256'] as const).map((alg) => inContext(() => service.signingKey(other.id, alg))))).map((key) => key.kid).sort();

    const first = await signingKids();
    expect(importedKids()).toEqual(first);
    const owner = await AdminSession.signIn(planes, other.owner);
    await owner.post(`/api/v1/tenants/${other.id}/keys/rotate`, { now: true }).expect(200);
    const second = await signingKids();
    // The retired keys are still published (their ID tokens may be verified), so still live.
    expect(importedKids()).toEqual([...first, ...second].sort());

    // Past the retired keys' expiry they leave the live set, and their private keys the memory.
    await client.query(`update signing_keys set expires_at = now() - interval '1 second' where tenant_id = $1 and retired_at is not null`, [other.id]);
    expect(await signingKids()).toEqual(second);
    expect(importedKids()).toEqual(second);
  });

  it('never shows private material through the admin API', async () => {
    const owner = await AdminSession.signIn(planes, tenant.owner);
    const listed = await owner.get(`/api/v1/tenants/${tenant.id}/keys`).expect(200);
    const text = JSON.stringify(listed.body);
    expect(text).not.toMatch(/"d"|ciphertext|private/);
    for (const row of await rows(tenant.id)) expect(text).not.toContain(row.private_jwk_ciphertext.split('.')[3]!.slice(0, 20));
  });

  it('binds each ciphertext to its tenant and kid, and refuses a wrong key-encryption key (readiness 503)', async () => {
    // Give the active RS256 key the ciphertext of another key: a fresh process must refuse to use it.
    const active = await inContext(() => planes.auth.get(SigningKeyService).signingKey(tenant.id, 'RS256'));
    const [own, other] = [(await rows(tenant.id)).find((row) => row.kid === active.kid)!, (await rows(tenant.id)).find((row) => row.kid !== active.kid)!];
    await client.query('update signing_keys set private_jwk_ciphertext = $1 where kid = $2', [other.private_jwk_ciphertext, own.kid]);
    const fresh = await startTestPlanes(database.url, { OPENTRUSTY_KEY_ENCRYPTION_KEY: planes.config.keyEncryptionKey!.toString('base64') });
    try {
      fresh.clock.advance(planes.clock.now().getTime() - Date.now());
      const swapped = await RequestContext.create(fresh.orm.em, () => fresh.auth.get(SigningKeyService).signingKey(tenant.id, 'RS256')).then(
        () => 'signed',
        (error: { message?: string }) => error.message ?? 'failed',
      );
      expect(swapped).toMatch(/unable to authenticate data|auth/i);
    } finally {
      await client.query('update signing_keys set private_jwk_ciphertext = $1 where kid = $2', [own.private_jwk_ciphertext, own.kid]);
      await fresh.close();
    }

    const wrongKey = await startTestPlanes(database.url, { OPENTRUSTY_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
    try {
      const ready = await request(wrongKey.auth.getHttpServer()).get('/health/ready').expect(503);
      expect(ready.body.details.signing_keys).toEqual({ status: 'down', message: 'stored signing keys do not decrypt with OPENTRUSTY_KEY_ENCRYPTION_KEY' });
    } finally {
      await wrongKey.close();
    }
    expect((await request(planes.auth.getHttpServer()).get('/health/ready').expect(200)).body.details.signing_keys).toEqual({ status: 'up' });
  });

  it('maintenance gives keys to a tenant without any, stages rotation when keys are old, and runs on one replica at a time', async () => {
    const bare = (await client.query(`insert into tenants (id, slug, name, status, created_at, updated_at) values (gen_random_uuid(), 'bare-co', 'Bare', 'active', now(), now()) returning id`)).rows[0].id as string;
    const maintenance = planes.auth.get(KeyMaintenanceService);
    const [one, two] = await Promise.all([inContext(() => maintenance.runOnce()), inContext(() => planes.admin.get(KeyMaintenanceService).runOnce())]);
    expect([one.skipped, two.skipped].sort()).toEqual([false, true]);
    expect([...one.initialized, ...two.initialized]).toContain('bare-co');
    expect((await rows(bare)).map((key) => key.alg).sort()).toEqual(['ES256', 'RS256']);

    planes.clock.advance(91 * 24 * HOUR);
    const report = await inContext(() => maintenance.runOnce());
    expect(report.rotated).toEqual(expect.arrayContaining(['bare-co', tenant.slug]));
    expect(await rows(bare)).toHaveLength(4);
  });
});

describe('opentrusty keys rotate', () => {
  let database: TestDatabase;
  let planes: TestPlanes;
  let client: pg.Client;
  let tenant: SeededTenant;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startTestPlanes(database.url);
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
    tenant = await seedTenant(planes, 'keys-first');
  });

  afterAll(async () => {
    await client.end();
    await planes.close();
    await database.drop();
  });

  const rows = async (tenantId: string) => (await client.query<{ kid: string }>('select kid from signing_keys where tenant_id = $1', [tenantId])).rows;

  it('`opentrusty keys rotate --tenant SLUG --now` activates new keys for that tenant only', async () => {
    const other = await seedTenant(planes, 'keys-cli');
    const untouched = (await rows(tenant.id)).length;
    const before = (await rows(other.id)).map((key) => key.kid);
    const result = await runCli(['keys', 'rotate', '--tenant', 'keys-cli', '--now'], {
      OPENTRUSTY_DATABASE_URL: database.url,
      OPENTRUSTY_KEY_ENCRYPTION_KEY: planes.config.keyEncryptionKey!.toString('base64'),
      OPENTRUSTY_LOG_LEVEL: 'warn',
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/keys-cli: RS256 \S+ active/);
    const after = (await rows(other.id)).map((key) => key.kid);
    expect(after).toHaveLength(4);
    expect(after).toEqual(expect.arrayContaining(before));
    expect((await rows(tenant.id)).length).toBe(untouched);
    expect((await runCli(['keys', 'rotate', '--tenant', 'no-such-tenant'], { OPENTRUSTY_DATABASE_URL: database.url, OPENTRUSTY_KEY_ENCRYPTION_KEY: planes.config.keyEncryptionKey!.toString('base64') })).code).toBe(1);
  });
});
