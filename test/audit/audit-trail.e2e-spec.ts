import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';
import { PurgeService } from '#cli/maintenance/purge.service.js';
import { AdminSession, PASSWORD, seedPlatformAdmin, seedTenant, seedUser, type SeededTenant } from '../support/admin-api.js';
import { startTestPlanes, type TestPlanes } from '../support/test-planes.js';
import { createMigratedDatabase, type TestDatabase } from '../support/test-database.js';
import { RequestContext } from '@mikro-orm/core';
import { openCliServices } from '#cli/runtime/cli-context.js';

interface EventRow {
  action: string;
  tenant_id: string | null;
  actor_type: string;
  actor_id: string | null;
  target_type: string | null;
  target_id: string | null;
  outcome: string;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  metadata: Record<string, unknown>;
}

describe('the audit trail (SPEC §7)', () => {
  let database: TestDatabase;
  let planes: TestPlanes;
  let client: pg.Client;
  let tenant: SeededTenant;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startTestPlanes(database.url);
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
    tenant = await seedTenant(planes, 'audited');
  });

  afterAll(async () => {
    await client.end();
    await planes.close();
    await database.drop();
  });

  const events = async (action: string) => (await client.query<EventRow>('select * from audit_events where action = $1 order by occurred_at', [action])).rows;
  const appConnection = () => planes.orm.em.fork().getConnection();

  describe('append-only, enforced by PostgreSQL', () => {
    it('refuses UPDATE, DELETE and TRUNCATE from the application’s own connection', async () => {
      const [{ id }] = (await client.query<{ id: string }>('select id from audit_events limit 1')).rows;
      await expect(appConnection().execute(`update audit_events set action = 'forged' where id = ?`, [id])).rejects.toThrow(/append-only/);
      await expect(appConnection().execute(`delete from audit_events where id = ?`, [id])).rejects.toThrow(/retention purge/);
      await expect(appConnection().execute('truncate audit_events')).rejects.toThrow(/append-only/);
    });

    it('refuses even the purge’s own DELETE for events younger than 90 days', async () => {
      await client.query('begin');
      try {
        await client.query(`set local opentrusty.audit_purge = 'on'`);
        await expect(client.query(`delete from audit_events where occurred_at > now() - interval '1 day'`)).rejects.toThrow(/retention purge/);
      } finally {
        await client.query('rollback');
      }
    });
  });

  describe('atomic with the change it records', () => {
    async function failWhen(table: string, condition: string, work: () => Promise<unknown>) {
      // Fault injection inside PostgreSQL: a statement of the use case fails after earlier ones succeeded.
      await client.query(`create or replace function ot_fault() returns trigger as $$ begin if ${condition} then raise exception 'injected fault'; end if; return new; end $$ language plpgsql`);
      await client.query(`create trigger ot_fault before insert or update on ${table} for each row execute function ot_fault()`);
      try {
        return await work();
      } finally {
        await client.query(`drop trigger ot_fault on ${table}`);
      }
    }

    it('rolls back the change when its event cannot be written, and the event when the change fails after it', async () => {
      const owner = await AdminSession.signIn(planes, tenant.owner);
      const failedEvent = await failWhen('audit_events', `new.action = 'user.created'`, () =>
        owner.post(`/api/v1/tenants/${tenant.id}/users`, { email: 'ghost@audited.example' }),
      );
      expect((failedEvent as { status: number }).status).toBe(500);
      expect((await client.query(`select 1 from users where email = 'ghost@audited.example'`)).rowCount).toBe(0);

      // tenant.updated is written before the tenant row is updated: the failing update takes it back.
      const operator = await AdminSession.signIn(planes, await seedPlatformAdmin(planes));
      const failedChange = await failWhen('tenants', `new.name = 'Renamed Under Fault'`, () => operator.patch(`/api/v1/tenants/${tenant.id}`, { name: 'Renamed Under Fault' }));
      expect((failedChange as { status: number }).status).toBe(500);
      expect((await events('tenant.updated')).filter((event) => event.metadata.to === 'Renamed Under Fault')).toEqual([]);

      await operator.patch(`/api/v1/tenants/${tenant.id}`, { name: 'Renamed' }).expect(200);
      expect((await events('tenant.updated')).map((event) => event.metadata.to)).toContain('Renamed');
      await owner.post(`/api/v1/tenants/${tenant.id}/users`, { email: 'real@audited.example' }).expect(201);
      expect((await events('user.created')).map((event) => event.metadata.email)).toContain('real@audited.example');
    });

    it('keeps events with no state change even when nothing else is written', async () => {
      await request(planes.admin.getHttpServer()).post('/api/v1/auth/login').send({ tenant: tenant.slug, email: tenant.owner.email, password: 'wrong-password' }).expect(401);
      const [failure] = (await events('auth.login.failed')).filter((event) => event.target_id === tenant.owner.id);
      expect(failure).toMatchObject({ outcome: 'failure', tenant_id: tenant.id, metadata: { plane: 'admin', reason: 'wrong_password' } });
    });
  });

  it('records actor, target, outcome, ip, user agent and request id, and never a secret', async () => {
    const owner = await AdminSession.signIn(planes, tenant.owner);
    const created = await owner.post(`/api/v1/tenants/${tenant.id}/users`, { email: 'traced@audited.example', password: 'a-secret-password-1' }).set('User-Agent', 'audit-test/1.0').set('X-Request-Id', 'trace-me-1').expect(201);
    const [event] = (await events('user.created')).filter((row) => row.target_id === created.body.id);
    expect(event).toMatchObject({
      tenant_id: tenant.id,
      actor_type: 'user',
      actor_id: tenant.owner.id,
      target_type: 'user',
      target_id: created.body.id,
      outcome: 'success',
      ip: expect.stringMatching(/127\.0\.0\.1|::1/),
      user_agent: 'audit-test/1.0',
      request_id: 'trace-me-1',
    });
    const everything = JSON.stringify((await client.query('select * from audit_events')).rows);
    for (const secret of [PASSWORD, 'a-secret-password-1', owner.csrfToken, owner.cookie.split('=')[1]!]) expect(everything).not.toContain(secret);
  });

  it('records the use cases of the admin plane with their actions', async () => {
    const owner = await AdminSession.signIn(planes, tenant.owner);
    const member = await seedUser(planes, tenant, 'member@audited.example', ['tenant_member']);
    await owner.put(`/api/v1/tenants/${tenant.id}/users/${member.id}/roles`, { roles: ['tenant_admin'] }).expect(200);
    await owner.put(`/api/v1/tenants/${tenant.id}/users/${member.id}/password`, { password: 'another-password' }).expect(204);
    await owner.post(`/api/v1/tenants/${tenant.id}/users/${member.id}/unlock`).expect(200);
    await owner.delete(`/api/v1/tenants/${tenant.id}/users/${member.id}/sessions`).expect(204);
    await owner.post(`/api/v1/tenants/${tenant.id}/keys/rotate`, {}).expect(200);
    await owner.delete(`/api/v1/tenants/${tenant.id}/users/${member.id}`).expect(204);
    await owner.post('/api/v1/auth/logout').expect(204);
    for (const action of ['user.role_assigned', 'user.role_revoked', 'user.password_set', 'user.unlocked', 'session.ended', 'key.rotated', 'user.deleted', 'auth.logout', 'auth.login.succeeded']) {
      expect({ action, recorded: (await events(action)).length > 0 }).toEqual({ action, recorded: true });
    }
    const denied = await seedTenant(planes, 'audited-other');
    const other = await AdminSession.signIn(planes, denied.owner);
    await other.get(`/api/v1/tenants/${tenant.id}/users`).expect(403);
    expect((await events('access.denied')).some((event) => event.actor_id === denied.owner.id && event.tenant_id === denied.id)).toBe(true);
  });

  describe('purge', () => {
    it('deletes exactly what has expired and audit events past retention, and nothing else', async () => {
      const at = (days: number) => `now() - interval '${days} days'`;
      const insertEvent = (days: number, marker: string) =>
        client.query(`insert into audit_events (id, occurred_at, tenant_id, actor_type, action, outcome, metadata) values (gen_random_uuid(), ${at(days)}, null, 'system', 'tenant.updated', 'success', $1::jsonb)`, [JSON.stringify({ marker })]);
      await insertEvent(401, 'too-old');
      await insertEvent(399, 'kept');
      const user = await seedUser(planes, tenant, 'sessions@audited.example', ['tenant_admin']);
      const insertSession = (name: string, expiresIn: string, lastSeen: string) =>
        client.query(
          `insert into sessions (id, tenant_id, user_id, plane, token_hash, created_at, last_seen_at, expires_at) values (gen_random_uuid(), $1, $2, 'admin', $3, now(), ${lastSeen}, ${expiresIn})`,
          [tenant.id, user.id, name.padEnd(64, '0')],
        );
      await insertSession('expired', `now() - interval '1 minute'`, 'now()');
      await insertSession('idle', `now() + interval '1 hour'`, `now() - interval '31 minutes'`);
      await insertSession('live', `now() + interval '1 hour'`, 'now()');
      const insertToken = (hash: string, expires: string) =>
        client.query(`insert into oauth_access_tokens (id, tenant_id, client_id, token_hash, scope, created_at, expires_at) values (gen_random_uuid(), $1, gen_random_uuid(), $2, '', now(), ${expires})`, [tenant.id, hash.padEnd(64, '0')]);
      await insertToken('aexpired', `now() - interval '1 second'`);
      await insertToken('alive', `now() + interval '1 hour'`);

      const services = await openCliServices({ ...planes, keyEncryptionKey: planes.config.keyEncryptionKey!, logger: (await import('pino')).pino({ level: 'silent' }) });
      try {
        const report = await RequestContext.create(planes.orm.em, () => services.get(PurgeService).run());
        expect(report.skipped).toBe(false);
        expect(report.deleted).toMatchObject({ sessions: 2, oauth_access_tokens: 1, audit_events: 1 });
      } finally {
        await services.close();
      }
      const markers = (await client.query<{ marker: string }>(`select metadata->>'marker' as marker from audit_events where metadata ? 'marker'`)).rows.map((row) => row.marker);
      expect(markers).toEqual(['kept']);
      const sessions = (await client.query<{ token_hash: string }>('select token_hash from sessions where user_id = $1', [user.id])).rows.map((row) => row.token_hash.replace(/0+$/, ''));
      expect(sessions).toEqual(['live']);
      const tokens = (await client.query<{ token_hash: string }>('select token_hash from oauth_access_tokens where tenant_id = $1', [tenant.id])).rows.map((row) => row.token_hash.replace(/0+$/, ''));
      expect(tokens).toEqual(['alive']);
    });
  });
});
