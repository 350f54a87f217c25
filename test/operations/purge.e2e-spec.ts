import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { PURGE_LOCK_KEY, PurgeService } from '#cli/maintenance/purge.service.js';
import { withCliServices } from '#cli/runtime/cli-context.js';
import { seedTenant, seedUser, type SeededTenant, type SeededUser } from '../support/admin-api.js';
import { runCli } from '../support/cli-process.js';
import { createMigratedDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestPlanes, type TestPlanes } from '../support/test-planes.js';

/**
 * `opentrusty purge` and the scheduled purge (SPEC §2, §8): for every kind of expiring row, one
 * just past its end and one just before it; exactly the first kind is gone afterwards.
 */
describe('purge', () => {
  let database: TestDatabase;
  let planes: TestPlanes;
  let client: pg.Client;
  let tenant: SeededTenant;
  let user: SeededUser;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startTestPlanes(database.url);
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
    tenant = await seedTenant(planes, 'purged-co');
    user = await seedUser(planes, tenant, 'ada@purged.example', ['tenant_member']);
  });

  afterAll(async () => {
    await client.end();
    await planes.close();
    await database.drop();
  });

  const purge = () => withCliServices({ ...planes, keyEncryptionKey: planes.config.keyEncryptionKey!, logger: pino({ level: 'silent' }) }, (services) => services.get(PurgeService).run());
  /** Marker strings left in each table, in order. */
  const remaining = async (table: string, column: string): Promise<string[]> =>
    (await client.query<{ marker: string }>(`select ${column} as marker from ${table} where ${column} like 'mark-%' order by 1`)).rows.map((row) => row.marker);
  const mark = (name: string) => `mark-${name}`.padEnd(64, '0');
  /** A refresh-token family: its head `name`, then `rotations` later rows `name-rotated-N` (heads too when `legacy`). */
  const refreshFamily = async (name: string, expires: string, rotations: number, options: { legacy?: boolean } = {}) => {
    const family = randomUUID();
    const clientId = randomUUID();
    for (const [index, token] of [name, ...Array.from({ length: rotations }, (_, n) => `${name}-rotated-${n + 1}`)].entries()) {
      await client.query(
        `insert into oauth_refresh_tokens (id, tenant_id, client_id, user_id, family_id, family_head, token_hash, scope, offline, auth_time, created_at, expires_at)
         values (gen_random_uuid(), $1, $2, $3, $4, $5, $6, 'openid', false, now(), now(), ${expires})`,
        [tenant.id, clientId, user.id, family, index === 0 || options.legacy === true, mark(token)],
      );
    }
    return family;
  };

  it('deletes exactly what has expired, in every table, and nothing else', async () => {
    const ids = [tenant.id, user.id];
    const session = (name: string, expires: string, lastSeen: string) =>
      client.query(`insert into sessions (id, tenant_id, user_id, plane, token_hash, created_at, last_seen_at, expires_at) values (gen_random_uuid(), $1, $2, 'auth', $3, now() - interval '2 hours', ${lastSeen}, ${expires})`, [...ids, mark(name)]);
    await session('session-expired', `now() - interval '1 second'`, 'now()');
    await session('session-idle', `now() + interval '1 hour'`, `now() - interval '31 minutes'`);
    await session('session-live', `now() + interval '1 hour'`, `now() - interval '29 minutes'`);

    const interaction = (name: string, expires: string) =>
      client.query(`insert into oauth_interactions (id, handle_hash, tenant_id, binding_hash, request, created_at, expires_at) values (gen_random_uuid(), $1, $2, $1, '{}'::jsonb, now(), ${expires})`, [mark(name), tenant.id]);
    await interaction('interaction-expired', `now() - interval '1 second'`);
    await interaction('interaction-live', `now() + interval '1 minute'`);

    // Codes are kept a day past expiry, so a late replay is still recognised (and revokes its tokens).
    const code = (name: string, expires: string) =>
      client.query(
        `insert into oauth_authorization_codes (id, tenant_id, client_id, user_id, code_hash, redirect_uri, scope, code_challenge, auth_time, created_at, expires_at)
         values (gen_random_uuid(), $1, gen_random_uuid(), $2, $3, 'https://rp.example/cb', 'openid', 'challenge', now(), now(), ${expires})`,
        [...ids, mark(name)],
      );
    await code('code-expired-over-a-day', `now() - interval '25 hours'`);
    await code('code-expired-within-the-day', `now() - interval '23 hours'`);
    await code('code-live', `now() + interval '1 minute'`);

    const accessToken = (name: string, expires: string) =>
      client.query(`insert into oauth_access_tokens (id, tenant_id, client_id, token_hash, scope, created_at, expires_at) values (gen_random_uuid(), $1, gen_random_uuid(), $2, '', now(), ${expires})`, [tenant.id, mark(name)]);
    await accessToken('access-expired', `now() - interval '1 second'`);
    await accessToken('access-live', `now() + interval '1 minute'`);

    // Families as rotations leave them: the first row (the head, the only one the expiry index
    // holds) and later rows sharing the family's end. The purge deletes a family whole, an hour
    // after its end. A family written before family_head existed has heads only.
    await refreshFamily('refresh-expired', `now() - interval '61 minutes'`, 2);
    await refreshFamily('refresh-legacy', `now() - interval '61 minutes'`, 1, { legacy: true });
    await refreshFamily('refresh-within-the-hour', `now() - interval '59 minutes'`, 1);
    await refreshFamily('refresh-live', `now() + interval '1 minute'`, 1);
    // A later row whose head the previous release's purge (row by row) deleted without it.
    await refreshFamily('refresh-headless', `now() - interval '61 minutes'`, 1);
    await client.query('delete from oauth_refresh_tokens where token_hash = $1', [mark('refresh-headless')]);

    const bucket = (name: string, tat: string) => client.query(`insert into rate_limit_buckets (bucket, tat) values ($1, ${tat})`, [mark(name)]);
    await bucket('bucket-empty', `now() - interval '1 second'`);
    await bucket('bucket-in-use', `now() + interval '5 seconds'`);

    const event = (name: string, age: string) =>
      client.query(`insert into audit_events (id, occurred_at, tenant_id, actor_type, action, outcome, metadata) values (gen_random_uuid(), now() - interval '${age}', $1, 'system', 'tenant.updated', 'success', $2::jsonb)`, [
        tenant.id,
        JSON.stringify({ marker: mark(name) }),
      ]);
    await event('event-past-retention', '401 days');
    await event('event-within-retention', '399 days');

    const report = await purge();

    expect(report.skipped).toBe(false);
    expect(report.deleted).toEqual({
      sessions: 2,
      oauth_interactions: 1,
      oauth_authorization_codes: 1,
      oauth_access_tokens: 1,
      oauth_refresh_tokens: 6,
      rate_limit_buckets: 1,
      audit_events: 1,
    });
    expect(await remaining('sessions', 'token_hash')).toEqual([mark('session-live')]);
    expect(await remaining('oauth_interactions', 'handle_hash')).toEqual([mark('interaction-live')]);
    expect(await remaining('oauth_authorization_codes', 'code_hash')).toEqual([mark('code-expired-within-the-day'), mark('code-live')]);
    expect(await remaining('oauth_access_tokens', 'token_hash')).toEqual([mark('access-live')]);
    expect(await remaining('oauth_refresh_tokens', 'token_hash')).toEqual(
      [mark('refresh-live-rotated-1'), mark('refresh-live'), mark('refresh-within-the-hour-rotated-1'), mark('refresh-within-the-hour')]);
    expect(await remaining('rate_limit_buckets', 'bucket')).toEqual([mark('bucket-in-use')]);
    expect(await remaining('audit_events', `metadata->>'marker'`)).toEqual([mark('event-within-retention')]);
    // Everything else is untouched: the tenant, its user and its signing keys.
    expect((await client.query('select 1 from users where id = $1', [user.id])).rowCount).toBe(1);
    expect((await client.query('select 1 from signing_keys where tenant_id = $1', [tenant.id])).rowCount).toBeGreaterThan(0);
  });

  it('works through large backlogs in batches, each its own short transaction', async () => {
    await client.query(
      `insert into oauth_access_tokens (id, tenant_id, client_id, token_hash, scope, created_at, expires_at)
       select gen_random_uuid(), $1, gen_random_uuid(), md5(n::text) || md5((n + 1)::text), '', now() - interval '2 hours', now() - interval '1 hour' from generate_series(1, 12001) n`,
      [tenant.id],
    );
    const before = (await client.query<{ xid: string }>('select txid_current()::text as xid')).rows[0]!.xid;

    const report = await purge();

    expect(report.deleted.oauth_access_tokens).toBe(12_001);
    expect((await client.query(`select count(*)::int as n from oauth_access_tokens where expires_at <= now()`)).rows[0].n).toBe(0);
    // 12 001 rows at 5 000 per batch: three deleting transactions at least, not one.
    const after = (await client.query<{ xid: string }>('select txid_current()::text as xid')).rows[0]!.xid;
    expect(Number(after) - Number(before)).toBeGreaterThanOrEqual(4);
  });

  it('leaves alone a row that is being brought back to life while it runs, and does not wait for it', async () => {
    // A rate-limit bucket that has run empty, being counted again by a request in flight.
    await client.query(`insert into rate_limit_buckets (bucket, tat) values ($1, now() - interval '1 minute')`, [mark('bucket-being-counted')]);
    const request = new pg.Client({ connectionString: database.url });
    await request.connect();
    try {
      await request.query('begin');
      await request.query(`update rate_limit_buckets set tat = now() + interval '1 minute' where bucket = $1`, [mark('bucket-being-counted')]);
      const report = await purge(); // would block on the row lock, then delete the row, without skip locked
      expect(report.deleted.rate_limit_buckets ?? 0).toBe(0);
      await request.query('commit');
    } finally {
      await request.end();
    }
    expect(await remaining('rate_limit_buckets', 'bucket')).toContain(mark('bucket-being-counted'));
  }, 15_000);

  it('never waits for a refresh token another transaction holds, and never leaves a family without its head', async () => {
    await refreshFamily('held', `now() - interval '2 hours'`, 2);
    await refreshFamily('head-held', `now() - interval '2 hours'`, 1);
    await refreshFamily('free', `now() - interval '2 hours'`, 1);
    const ours = (tokens: string[]) => tokens.filter((token) => ['mark-held', 'mark-head-held', 'mark-free'].some((prefix) => token.startsWith(prefix)));
    const logout = new pg.Client({ connectionString: database.url });
    await logout.connect();
    try {
      // Another transaction (a logout revoking families, say) holds a later row of 'held' and the head of 'head-held'.
      await logout.query('begin');
      await logout.query(`select 1 from oauth_refresh_tokens where token_hash = any($1) for update`, [[mark('held-rotated-1'), mark('head-held')]]);
      const report = await purge(); // would wait for the locks, or deadlock with the logout, without skip locked
      expect(report.deleted.oauth_refresh_tokens).toBe(3); // 'free' whole, and the free later row of 'held'
      expect(ours(await remaining('oauth_refresh_tokens', 'token_hash'))).toEqual([mark('head-held-rotated-1'), mark('head-held'), mark('held-rotated-1'), mark('held')]);
      await logout.query('commit');
    } finally {
      await logout.end();
    }
    expect((await purge()).deleted.oauth_refresh_tokens).toBe(4);
    expect(ours(await remaining('oauth_refresh_tokens', 'token_hash'))).toEqual([]);
  }, 15_000);

  it('moves on past more held refresh-token families than one batch takes, all ending in the same microsecond', async () => {
    const ended = `now() - interval '2 hours'`; // one value for the whole statement, microseconds included
    await client.query(
      `with families as (select gen_random_uuid() as family_id, n from generate_series(1, 501) n)
       insert into oauth_refresh_tokens (id, tenant_id, client_id, user_id, family_id, family_head, token_hash, scope, offline, auth_time, created_at, expires_at)
       select gen_random_uuid(), $1, gen_random_uuid(), $2, family_id, head, md5('held' || n || head) || md5(n::text), 'openid', false, now(), now(), ${ended}
         from families cross join (values (true), (false)) as h(head)`,
      [tenant.id, user.id],
    );
    const logout = new pg.Client({ connectionString: database.url });
    await logout.connect();
    try {
      await logout.query('begin');
      // Another transaction holds every later row: no family can be finished in this run.
      await logout.query(`select 1 from oauth_refresh_tokens where not family_head and expires_at < now() - interval '90 minutes' for update`);
      const stuck = new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), 10_000).unref());
      const run = purge().then((report) => report.deleted.oauth_refresh_tokens);
      expect(await Promise.race([run, stuck])).toBe(0);
      await logout.query('commit');
    } finally {
      await logout.end();
    }
    expect((await purge()).deleted.oauth_refresh_tokens).toBe(1002);
  }, 30_000);

  it('deletes a refresh-token family longer than one batch, over several batches', async () => {
    const family = await refreshFamily('long', `now() - interval '2 hours'`, 0);
    await client.query(
      `insert into oauth_refresh_tokens (id, tenant_id, client_id, user_id, family_id, family_head, token_hash, scope, offline, auth_time, created_at, expires_at)
       select gen_random_uuid(), $1, gen_random_uuid(), $2, $3, false, md5(n::text) || md5((n + 1)::text), 'openid', false, now(), now(), now() - interval '2 hours'
         from generate_series(1, 5001) n`,
      [tenant.id, user.id, family],
    );
    const before = (await client.query<{ xid: string }>('select txid_current()::text as xid')).rows[0]!.xid;
    expect((await purge()).deleted.oauth_refresh_tokens).toBe(5002);
    expect((await client.query('select count(*)::int as n from oauth_refresh_tokens where family_id = $1', [family])).rows[0].n).toBe(0);
    // 5,001 later rows at 5,000 per batch: two deleting transactions at least, not one.
    const after = (await client.query<{ xid: string }>('select txid_current()::text as xid')).rows[0]!.xid;
    expect(Number(after) - Number(before)).toBeGreaterThanOrEqual(3);
  });

  it('deletes more expired refresh-token families than one batch takes', async () => {
    await client.query(
      `insert into oauth_refresh_tokens (id, tenant_id, client_id, user_id, family_id, family_head, token_hash, scope, offline, auth_time, created_at, expires_at)
       select gen_random_uuid(), $1, gen_random_uuid(), $2, gen_random_uuid(), true, md5('family' || n) || md5(n::text), 'openid', false, now(), now(), now() - interval '2 hours'
         from generate_series(1, 1201) n`,
      [tenant.id, user.id],
    );
    expect((await purge()).deleted.oauth_refresh_tokens).toBe(1201);
  });

  it('runs on one replica at a time: a purge started while another holds the lock skips', async () => {
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    try {
      await holder.query('select pg_advisory_lock($1)', [PURGE_LOCK_KEY]);
      expect(await purge()).toEqual({ skipped: true, deleted: {} });
    } finally {
      await holder.end();
    }
    expect((await purge()).skipped).toBe(false);
  });

  it('finishes with a database pool of one connection: its lock is held on a connection of its own', async () => {
    const single = await startTestPlanes(database.url, { OPENTRUSTY_DATABASE_POOL_MAX: '1' });
    try {
      const run = withCliServices({ ...single, keyEncryptionKey: single.config.keyEncryptionKey!, logger: pino({ level: 'silent' }) }, (services) => services.get(PurgeService).run());
      const stuck = new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), 15_000).unref());
      expect(await Promise.race([run.then((report) => report.skipped), stuck])).toBe(false);
    } finally {
      await single.close();
    }
  });

  it('`opentrusty purge` reports what it deleted', async () => {
    await client.query(`insert into rate_limit_buckets (bucket, tat) values ($1, now() - interval '1 minute')`, [mark('bucket-from-the-command')]);
    const result = await runCli(['purge'], { OPENTRUSTY_DATABASE_URL: database.url, OPENTRUSTY_KEY_ENCRYPTION_KEY: planes.config.keyEncryptionKey!.toString('base64'), OPENTRUSTY_LOG_LEVEL: 'warn' });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('rate_limit_buckets: 1 deleted');
    expect(await remaining('rate_limit_buckets', 'bucket')).not.toContain(mark('bucket-from-the-command'));
  });
});
