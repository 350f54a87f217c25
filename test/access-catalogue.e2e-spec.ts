import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { PERMISSIONS, ROLES } from '#access/permission-catalogue.js';
import { createMigratedDatabase, type TestDatabase } from './support/test-database.js';

/** The roles/permissions tables are a mirror of the code's catalogue for auditing tools; they must agree. */
describe('the role and permission catalogue in the database', () => {
  let database: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });

  afterAll(async () => {
    await client.end();
    await database.drop();
  });

  it('holds exactly the permissions of libs/access/src/permission-catalogue.ts', async () => {
    const { rows } = await client.query<{ key: string; description: string }>('select key, description from permissions order by key');
    expect(rows).toEqual(Object.entries(PERMISSIONS).map(([key, description]) => ({ key, description })).sort((a, b) => a.key.localeCompare(b.key)));
  });

  it('holds exactly the roles, scopes and role permissions of the catalogue', async () => {
    const roles = await client.query<{ key: string; scope: string; description: string }>('select key, scope, description from roles order by key');
    expect(roles.rows).toEqual(Object.entries(ROLES).map(([key, role]) => ({ key, scope: role.scope, description: role.description })).sort((a, b) => a.key.localeCompare(b.key)));
    const grants = await client.query<{ role_key: string; permission_key: string }>('select role_key, permission_key from role_permissions order by 1, 2');
    const expected = Object.entries(ROLES)
      .flatMap(([role, definition]) => definition.permissions.map((permission) => ({ role_key: role, permission_key: permission })))
      .sort((a, b) => a.role_key.localeCompare(b.role_key) || a.permission_key.localeCompare(b.permission_key));
    expect(grants.rows).toEqual(expected);
  });

  it('refuses a second owner in a tenant and a platform role bound to a tenant', async () => {
    const tenant = (await client.query(`insert into tenants (id, slug, name, status, created_at, updated_at) values (gen_random_uuid(), 'dbrules', 'x', 'active', now(), now()) returning id`)).rows[0].id;
    const user = async (email: string) =>
      (await client.query(`insert into users (id, tenant_id, email, created_at, updated_at) values (gen_random_uuid(), $1, $2, now(), now()) returning id`, [tenant, email])).rows[0].id;
    const assign = (userId: string, role: string, tenantId: string | null) =>
      client.query(`insert into role_assignments (id, role_key, tenant_id, user_id, created_at) values (gen_random_uuid(), $1, $2, $3, now())`, [role, tenantId, userId]);
    const [first, second] = [await user('a@dbrules.example'), await user('b@dbrules.example')];
    await assign(first, 'tenant_owner', tenant);
    await expect(assign(second, 'tenant_owner', tenant)).rejects.toThrow(/role_assignments_one_owner_per_tenant/);
    await expect(assign(second, 'platform_admin', tenant)).rejects.toThrow(/role_assignments_scope_check/);
    await expect(assign(second, 'tenant_admin', null)).rejects.toThrow(/role_assignments_scope_check/);
    await expect(client.query(`insert into users (id, tenant_id, email, created_at, updated_at) values (gen_random_uuid(), $1, 'a@dbrules.example', now(), now())`, [tenant])).rejects.toThrow(/users_tenant_id_email_unique/);
  });
});
