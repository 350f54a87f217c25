import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import type { MikroORM } from '@mikro-orm/postgresql';
import { MIGRATIONS } from '#migrations/index.js';
import { applyMigrations, executedMigrationNames, pendingMigrationNames, revertMigrations } from '#database/migrations/migration-runner.js';
import { createOrm } from '#database/orm.factory.js';
import { testDatabaseConfig } from './support/test-config.js';
import { createEmptyDatabase, type TestDatabase } from './support/test-database.js';

const ALL = MIGRATIONS.map((migration) => migration.name);

async function userTables(orm: MikroORM): Promise<string[]> {
  const rows = await orm.em.getConnection().execute<{ table_name: string }[]>(
    `select table_name from information_schema.tables where table_schema = 'public' and table_name <> 'mikro_orm_migrations' order by 1`,
  );
  return rows.map((row) => row.table_name);
}

describe('migrations', () => {
  let database: TestDatabase;
  let orm: MikroORM;

  beforeAll(async () => {
    database = await createEmptyDatabase();
    orm = await createOrm(database.url, testDatabaseConfig());
  });

  afterAll(async () => {
    await orm.close(true);
    await database.drop();
  });

  it('lists every migration file of migrations/, in file order', () => {
    const files = readdirSync(new URL('../migrations/', import.meta.url))
      .filter((file) => /^Migration\d{14}_\w+\.ts$/.test(file))
      .map((file) => file.replace(/\.ts$/, ''))
      .sort();
    expect(ALL).toEqual(files);
    expect(ALL.length).toBeGreaterThan(0);
  });

  it('applies every migration on an empty database and then matches the entities exactly', async () => {
    expect(await pendingMigrationNames(orm)).toEqual(ALL);
    expect(await applyMigrations(orm, database.url, testDatabaseConfig())).toEqual(ALL);
    expect(await pendingMigrationNames(orm)).toEqual([]);
    expect(await userTables(orm)).toContain('tenants');
    // Schema drift: the migrated schema is exactly what the entity metadata describes.
    expect(await orm.schema.getUpdateSchemaSQL({ wrap: false })).toBe('');
  });

  it('reverts each migration with its down, one at a time, back to an empty schema', async () => {
    for (let remaining = ALL.length; remaining > 0; remaining--) {
      expect(await revertMigrations(orm, database.url, testDatabaseConfig(), 1)).toEqual([ALL[remaining - 1]]);
      expect(await executedMigrationNames(orm)).toEqual(ALL.slice(0, remaining - 1));
    }
    expect(await userTables(orm)).toEqual([]);
    expect(await revertMigrations(orm, database.url, testDatabaseConfig(), 1)).toEqual([]);
  });

  it('applies them all again after the round trip (up, down, up)', async () => {
    expect(await applyMigrations(orm, database.url, testDatabaseConfig())).toEqual(ALL);
    expect(await orm.schema.getUpdateSchemaSQL({ wrap: false })).toBe('');
    expect(await applyMigrations(orm, database.url, testDatabaseConfig())).toEqual([]);
  });

  it('leaves room on refresh-token pages for rotations written as heap-only tuples (fillfactor 50)', async () => {
    const [row] = await orm.em.getConnection().execute<{ reloptions: string[] | null }[]>(`select reloptions from pg_class where relname = 'oauth_refresh_tokens'`);
    expect(row!.reloptions).toEqual(['fillfactor=50']);
  });

  it('indexes refresh tokens by client, session and end at each family’s first row, keeps the full indexes the previous release reads, and no token by user', async () => {
    const indexes = await orm.em.getConnection().execute<{ indexname: string; indexdef: string }[]>(
      `select indexname, indexdef from pg_indexes where tablename in ('oauth_refresh_tokens', 'oauth_access_tokens') order by indexname`);
    const definition = (name: string) => indexes.find((index) => index.indexname === name)?.indexdef;
    for (const column of ['client_id', 'session_id', 'expires_at']) {
      expect(definition(`oauth_refresh_tokens_head_${column}_index`)).toMatch(new RegExp(`\\(${column}\\) WHERE family_head$`));
      expect(definition(`oauth_refresh_tokens_${column}_index`)).toMatch(new RegExp(`\\(${column}\\)$`));
    }
    expect(definition('oauth_refresh_tokens_family_id_index')).toMatch(/\(family_id\)$/);
    expect(indexes.filter((index) => index.indexdef.includes('(user_id)'))).toEqual([]);
  });

  it('enforces the tenant rules in the database itself', async () => {
    const connection = orm.em.getConnection();
    const insert = (slug: string, status = 'active') =>
      connection.execute(`insert into tenants (id, slug, name, status, created_at, updated_at) values (gen_random_uuid(), ?, 'Acme', ?, now(), now())`, [slug, status]);
    await insert('acme');
    await expect(insert('acme')).rejects.toThrow(/tenants_slug_unique/);
    await expect(insert('Bad_Slug')).rejects.toThrow(/tenants_slug_check/);
    await expect(insert('-acme')).rejects.toThrow(/tenants_slug_check/);
    await expect(insert('ab')).rejects.toThrow(/tenants_slug_check/);
    await expect(insert('other', 'deleted')).rejects.toThrow(/tenants_status_check/);
  });

  it('keeps every list of an OAuth client an array of strings, whoever writes the row', async () => {
    const connection = orm.em.getConnection();
    const [tenant] = await connection.execute<{ id: string }[]>(
      `insert into tenants (id, slug, name, created_at, updated_at) values (gen_random_uuid(), 'lists-co', 'Lists', now(), now()) returning id`);
    const lists = { redirect_uris: '[]', post_logout_redirect_uris: '[]', grant_types: '["authorization_code"]', scopes: '["openid"]' };
    const insert = (changed: Partial<typeof lists>) => {
      const values = { ...lists, ...changed };
      return connection.execute(
        `insert into oauth_clients (id, tenant_id, name, type, token_endpoint_auth_method, redirect_uris, post_logout_redirect_uris, grant_types, scopes,
                                    access_token_ttl_seconds, refresh_token_ttl_seconds, id_token_signed_response_alg, created_at, updated_at)
         values (gen_random_uuid(), ?, 'App', 'public', 'none', ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb, 3600, 2592000, 'RS256', now(), now())`,
        [tenant!.id, values.redirect_uris, values.post_logout_redirect_uris, values.grant_types, values.scopes]);
    };
    await insert({});
    await insert({ scopes: '["openid", "profile"]', redirect_uris: '["https://app.example/cb"]' });
    for (const column of Object.keys(lists) as (keyof typeof lists)[]) {
      for (const malformed of ['"openid"', '{"0": "openid"}', '["openid", 7]', '[["openid"]]', 'null']) {
        await expect(insert({ [column]: malformed })).rejects.toThrow(/oauth_clients_lists_check/);
      }
    }
  });
});
