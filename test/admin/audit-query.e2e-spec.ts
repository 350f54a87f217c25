import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import http from 'node:http';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RequestContext } from '@mikro-orm/core';
import pg from 'pg';
import request, { type Response } from 'supertest';
import { RoleAssignmentRepository } from '#access/role-assignment.repository.js';
import { AuditEventRepository } from '#audit/audit-event.repository.js';
import { uuidv7 } from '#platform/ids/uuidv7.js';
import { AdminSession, PASSWORD, seedPlatformAdmin, seedTenant, seedUser, type SeededTenant, type SeededUser } from '../support/admin-api.js';
import { type ListeningPlanes, startListeningPlanes } from '../support/test-planes.js';
import { createMigratedDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * The audit trail's query side (SPEC §3, §7) through HTTP against real PostgreSQL: who may read
 * which events (owners and admins their tenant's, platform administrators the platform's, and a
 * tenant's only through a declared query that the tenant's owner sees), the filters, newest-first
 * cursor pagination, and the NDJSON export, including 100,000 events streamed with bounded memory
 * to a client that consumes them as they come.
 */

const API = '/api/v1';
const NDJSON = 'application/x-ndjson';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const REASON = 'Incident 4711: suspected credential stuffing against acme';

interface EventView {
  id: string;
  occurred_at: string;
  tenant_id: string | null;
  actor: { type: string; id: string | null };
  action: string;
  target: { type: string; id: string | null } | null;
  outcome: 'success' | 'failure';
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  metadata: Record<string, unknown>;
}

interface SeedEvent {
  occurredAt: Date;
  action: string;
  actorId?: string;
  targetId?: string;
  outcome?: 'success' | 'failure';
  id?: string;
}

function expectProblem(response: Response, status: number, code: string): void {
  expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
}

/** Newest first: by occurred_at, then id, both descending. */
function newestFirst(a: EventView, b: EventView): number {
  return b.occurred_at.localeCompare(a.occurred_at) || b.id.localeCompare(a.id);
}

/** A garbage-collection function (V8's, exposed at run time), or undefined where that is not possible. */
function exposedGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

/** The JS heap in use, and the part of it outside V8's young generation (what survived scavenges). */
function heapNow(): { used: number; old: number; youngCapacity: number } {
  let used = 0;
  let young = 0;
  let youngCapacity = 0;
  for (const space of getHeapSpaceStatistics()) {
    used += space.space_used_size;
    if (space.space_name === 'new_space' || space.space_name === 'new_large_object_space') {
      young += space.space_used_size;
      youngCapacity += space.space_size;
    }
  }
  return { used, old: used - young, youngCapacity };
}

interface StreamResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  lines: number;
  bytes: number;
}

/**
 * GETs `path` on the listening admin plane (with a cookie or an authorization header) and hands
 * each NDJSON line to `onLine` as it arrives,
 * keeping nothing else (so the client side holds at most one chunk). `abortAfterLines` closes the
 * connection early, as a client that goes away would.
 */
function streamLines(origin: string, path: string, credentials: Record<string, string>, onLine: (line: string) => void, abortAfterLines?: number): Promise<StreamResult> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${origin}${path}`, { headers: { ...credentials, accept: NDJSON } }, (res) => {
      let rest = '';
      let lines = 0;
      let bytes = 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        bytes += Buffer.byteLength(chunk);
        const parts = (rest + chunk).split('\n');
        rest = parts.pop()!;
        for (const line of parts) {
          lines++;
          onLine(line);
          if (abortAfterLines !== undefined && lines >= abortAfterLines) {
            req.destroy();
            resolve({ status: res.statusCode!, headers: res.headers, lines, bytes });
            return;
          }
        }
      });
      res.on('end', () => {
        if (rest.length > 0) reject(new Error(`the stream ended inside a line: ${rest.slice(0, 80)}`));
        resolve({ status: res.statusCode!, headers: res.headers, lines, bytes });
      });
      res.on('error', reject);
    });
    req.on('error', (error) => (abortAfterLines === undefined ? reject(error) : undefined));
  });
}

describe('audit trail queries (SPEC §7)', () => {
  let database: TestDatabase;
  let planes: ListeningPlanes;
  let sql: pg.Client;

  let root: SeededUser;
  let otherRoot: SeededUser;
  let acme: SeededTenant;
  let acmeAdmin: SeededUser;
  let acmeMember: SeededUser;
  let globex: SeededTenant;
  let globexAdmin: SeededUser;
  const sessions = {} as Record<'root' | 'otherRoot' | 'acmeOwner' | 'acmeAdmin' | 'globexOwner' | 'globexAdmin', AdminSession>;

  /** Inserts events directly (the audit triggers only refuse UPDATE, DELETE and TRUNCATE). */
  async function insertEvents(tenantId: string | null, events: readonly SeedEvent[]): Promise<string[]> {
    const ids: string[] = [];
    for (const event of events) {
      const id = event.id ?? uuidv7(event.occurredAt.getTime());
      ids.push(id);
      await sql.query(
        `insert into audit_events (id, occurred_at, tenant_id, actor_type, actor_id, action, target_type, target_id, outcome, ip, user_agent, request_id, metadata)
         values ($1, $2, $3, 'user', $4, $5, $6, $7, $8, '198.51.100.4', 'seed', null, '{"seeded": true}')`,
        [id, event.occurredAt, tenantId, event.actorId ?? null, event.action, event.targetId ? 'user' : null, event.targetId ?? null, event.outcome ?? 'success'],
      );
    }
    return ids;
  }

  /** Every page of `path` (which has no `?` yet or has one), following next_cursor. */
  async function allPages(session: AdminSession, path: string, limit: number): Promise<{ items: EventView[]; pages: number }> {
    const items: EventView[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const response = await session.get(`${path}${separator}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
      items.push(...(response.body.items as EventView[]));
      cursor = response.body.next_cursor as string | null;
      pages++;
    } while (cursor);
    return { items, pages };
  }

  /** The NDJSON export of `path`, parsed, with its headers. */
  async function exportOf(caller: AdminSession | { authorization: string }, path: string): Promise<{ events: EventView[]; headers: http.IncomingHttpHeaders; status: number }> {
    const events: EventView[] = [];
    const credentials = caller instanceof AdminSession ? { cookie: caller.cookie } : caller;
    const result = await streamLines(planes.adminOrigin, path, credentials, (line) => events.push(JSON.parse(line) as EventView));
    return { events, headers: result.headers, status: result.status };
  }

  const declare = (session: AdminSession, body: Record<string, unknown>) => session.post(`${API}/audit-queries`, body);
  const windowOf = (fromMsAgo: number, toMsFromNow: number) => ({ from: new Date(Date.now() - fromMsAgo).toISOString(), to: new Date(Date.now() + toMsFromNow).toISOString() });

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startListeningPlanes(database.url);
    sql = new pg.Client({ connectionString: database.url });
    await sql.connect();

    root = await seedPlatformAdmin(planes);
    otherRoot = await seedUser(planes, { id: root.tenantId, slug: root.tenantSlug }, 'root2@operator.example', []);
    await RequestContext.create(planes.orm.em, () => planes.admin.get(RoleAssignmentRepository).assign('platform_admin', { userId: otherRoot.id, tenantId: null }));
    acme = await seedTenant(planes, 'acme');
    acmeAdmin = await seedUser(planes, acme, 'admin@acme.example', ['tenant_admin']);
    acmeMember = await seedUser(planes, acme, 'member@acme.example', ['tenant_member']);
    globex = await seedTenant(planes, 'globex');
    globexAdmin = await seedUser(planes, globex, 'admin@globex.example', ['tenant_admin']);

    sessions.root = await AdminSession.signIn(planes, root);
    sessions.otherRoot = await AdminSession.signIn(planes, otherRoot);
    sessions.acmeOwner = await AdminSession.signIn(planes, acme.owner);
    sessions.acmeAdmin = await AdminSession.signIn(planes, acmeAdmin);
    sessions.globexOwner = await AdminSession.signIn(planes, globex.owner);
    sessions.globexAdmin = await AdminSession.signIn(planes, globexAdmin);
  });

  afterAll(async () => {
    await sql?.end();
    await planes?.close();
    await database?.drop();
  });

  describe('who reads what', () => {
    it('the owner and an admin read their tenant’s events, newest first, in the documented shape', async () => {
      const created = await sessions.acmeOwner.post(`${API}/tenants/${acme.id}/users`, { email: 'audited@acme.example', password: PASSWORD }).set('X-Request-Id', 'audit-query-test-1').set('User-Agent', 'audit-test/1.0').expect(201);
      for (const session of [sessions.acmeOwner, sessions.acmeAdmin]) {
        const response = await session.get(`${API}/tenants/${acme.id}/audit-events`).expect(200);
        expect(response.headers['content-type']).toMatch(/^application\/json/);
        const items = response.body.items as EventView[];
        expect(items.length).toBeGreaterThan(0);
        expect(items.every((event) => event.tenant_id === acme.id)).toBe(true);
        expect([...items].sort(newestFirst)).toEqual(items);
        const event = items.find((item) => item.action === 'user.created' && item.target?.id === created.body.id);
        expect(event).toEqual({
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          occurred_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
          tenant_id: acme.id,
          actor: { type: 'user', id: acme.owner.id },
          action: 'user.created',
          target: { type: 'user', id: created.body.id },
          outcome: 'success',
          ip: expect.any(String),
          user_agent: 'audit-test/1.0',
          request_id: 'audit-query-test-1',
          metadata: expect.any(Object),
        });
        expect(items.map((item) => item.action)).toEqual(expect.arrayContaining(['tenant.created', 'auth.login.succeeded']));
      }
    });

    it('a member cannot even sign in to the admin plane', async () => {
      await expect(AdminSession.signIn(planes, acmeMember)).rejects.toThrow(/403/);
    });

    it('another tenant’s owner and admin get 403, as JSON and as NDJSON', async () => {
      for (const session of [sessions.globexOwner, sessions.globexAdmin]) {
        expectProblem(await session.get(`${API}/tenants/${acme.id}/audit-events`), 403, 'forbidden');
        expectProblem(await session.get(`${API}/tenants/${acme.id}/audit-events`).set('Accept', NDJSON), 403, 'forbidden');
      }
      // Their own tenant, on the other hand, they read, and it holds nothing of acme.
      const own = (await sessions.globexAdmin.get(`${API}/tenants/${globex.id}/audit-events?limit=200`).expect(200)).body.items as EventView[];
      expect(own.length).toBeGreaterThan(0);
      expect(own.every((event) => event.tenant_id === globex.id)).toBe(true);
    });

    it('a platform administrator gets 403 on a tenant’s events, and reads the platform events (no tenant); tenant administrators cannot', async () => {
      expectProblem(await sessions.root.get(`${API}/tenants/${acme.id}/audit-events`), 403, 'forbidden');
      expectProblem(await sessions.root.get(`${API}/tenants/${acme.id}/audit-events`).set('Accept', NDJSON), 403, 'forbidden');
      // A failed sign-in to an unknown tenant belongs to no tenant: a platform event.
      await request(planes.admin.getHttpServer()).post(`${API}/auth/login`).send({ tenant: 'no-such-tenant', email: 'x@example.com', password: 'whatever-password' }).expect(401);

      const platform = (await sessions.root.get(`${API}/audit-events?limit=200`).expect(200)).body.items as EventView[];
      expect(platform.every((event) => event.tenant_id === null)).toBe(true);
      expect(platform.map((event) => event.action)).toEqual(expect.arrayContaining(['platform.bootstrapped', 'auth.login.failed']));
      const exported = await exportOf(sessions.root, `${API}/audit-events`);
      expect(exported.status).toBe(200);
      expect(exported.events.map((event) => event.id)).toEqual(platform.map((event) => event.id).reverse());

      for (const session of [sessions.acmeOwner, sessions.acmeAdmin]) expectProblem(await session.get(`${API}/audit-events`), 403, 'forbidden');
    });
  });

  describe('declared queries', () => {
    it('are a platform administrator’s only way into a tenant’s events; the tenant’s owner sees the declaration and every read', async () => {
      const declared = await declare(sessions.root, { tenant_id: acme.id, reason: `  ${REASON}  `, ...windowOf(DAY, MINUTE) }).expect(201);
      const queryId = declared.body.id as string;
      expect(declared.body).toEqual({ id: queryId, tenant_id: acme.id, from: expect.any(String), to: expect.any(String), expires_at: expect.any(String) });
      const expiresIn = Date.parse(declared.body.expires_at) - Date.now();
      expect(expiresIn).toBeGreaterThan(59 * MINUTE);
      expect(expiresIn).toBeLessThanOrEqual(60 * MINUTE);

      const page = await sessions.root.get(`${API}/audit-queries/${queryId}/events?limit=200`).expect(200);
      const events = page.body.items as EventView[];
      expect(events.every((event) => event.tenant_id === acme.id)).toBe(true);
      expect(events.map((event) => event.action)).toEqual(expect.arrayContaining(['tenant.created', 'user.created', 'audit.query_declared']));
      expect([...events].sort(newestFirst)).toEqual(events);

      const exported = await exportOf(sessions.root, `${API}/audit-queries/${queryId}/events`);
      expect(exported.status).toBe(200);
      expect(exported.headers['content-type']).toBe(NDJSON);
      expect(exported.events.every((event) => event.tenant_id === acme.id)).toBe(true);

      // A HEAD request checks the declaration but reads nothing, so it is no read.
      expect((await sessions.root.head(`${API}/audit-queries/${queryId}/events`)).status).toBe(200);
      expect((await sessions.root.head(`${API}/audit-queries/${queryId}/events`).set('Accept', NDJSON)).status).toBe(200);
      expect((await sessions.otherRoot.head(`${API}/audit-queries/${queryId}/events`)).status).toBe(404);
      // ... and refuses what a GET would refuse.
      expect((await sessions.root.head(`${API}/audit-queries/${queryId}/events?cursor=not-a-cursor`)).status).toBe(400);
      expect((await sessions.root.head(`${API}/audit-queries/${queryId}/events?limit=5`).set('Accept', NDJSON)).status).toBe(400);

      // The owner sees who looked, why, at what: the declaration, then one audit.read per read.
      const trail = (await sessions.acmeOwner.get(`${API}/tenants/${acme.id}/audit-events?target_id=${queryId}`).expect(200)).body.items as EventView[];
      expect(trail.map((event) => [event.action, event.metadata.format])).toEqual([
        ['audit.read', 'ndjson'],
        ['audit.read', 'page'],
        ['audit.query_declared', undefined],
      ]);
      for (const event of trail) {
        expect(event).toMatchObject({ tenant_id: acme.id, actor: { type: 'user', id: root.id }, target: { type: 'audit_query', id: queryId }, outcome: 'success' });
        expect(event.metadata).toMatchObject({ query_id: queryId, reason: REASON, window: { from: declared.body.from, to: declared.body.to } });
      }
      expect(trail.at(-1)!.metadata.expires_at).toBe(declared.body.expires_at);
      // ... and the admin too, filtering by action.
      const reads = (await sessions.acmeAdmin.get(`${API}/tenants/${acme.id}/audit-events?action=audit.read&actor_id=${root.id}`).expect(200)).body.items as EventView[];
      expect(reads.filter((event) => event.target?.id === queryId)).toHaveLength(2);
    });

    it('return only the declared window of the declared tenant', async () => {
      const now = Date.now();
      const [tenDaysAgo, fortyDaysAgo] = await insertEvents(acme.id, [
        { occurredAt: new Date(now - 10 * DAY), action: 'user.updated', actorId: acme.owner.id },
        { occurredAt: new Date(now - 40 * DAY), action: 'user.updated', actorId: acme.owner.id },
      ]);
      await insertEvents(globex.id, [{ occurredAt: new Date(now - 10 * DAY), action: 'user.updated' }]);
      const declared = await declare(sessions.root, { tenant_id: acme.id, reason: REASON, from: new Date(now - 20 * DAY).toISOString(), to: new Date(now - 5 * DAY).toISOString() }).expect(201);
      const { items } = await allPages(sessions.root, `${API}/audit-queries/${declared.body.id}/events`, 200);
      expect(items.map((event) => event.id)).toEqual([tenDaysAgo]);
      const exported = await exportOf(sessions.root, `${API}/audit-queries/${declared.body.id}/events`);
      expect(exported.events.map((event) => event.id)).toEqual([tenDaysAgo]);
      expect(items.map((event) => event.id)).not.toContain(fortyDaysAgo);
      // Further filters narrow it; they never widen it.
      expect((await sessions.root.get(`${API}/audit-queries/${declared.body.id}/events?outcome=failure`).expect(200)).body.items).toEqual([]);
      expectProblem(await sessions.root.get(`${API}/audit-queries/${declared.body.id}/events?from=2000-01-01T00:00:00Z`), 400, 'validation_failed');
    });

    it('are usable by their creator only: another platform administrator gets the same 404 as for an unknown id', async () => {
      const declared = await declare(sessions.root, { tenant_id: acme.id, reason: REASON, ...windowOf(DAY, 0) }).expect(201);
      const others = await sessions.otherRoot.get(`${API}/audit-queries/${declared.body.id}/events`);
      const unknown = await sessions.otherRoot.get(`${API}/audit-queries/${uuidv7()}/events`);
      expectProblem(others, 404, 'audit_query_not_found');
      expectProblem(unknown, 404, 'audit_query_not_found');
      expect({ ...others.body, request_id: undefined }).toEqual({ ...unknown.body, request_id: undefined });
      expectProblem(await sessions.otherRoot.get(`${API}/audit-queries/${declared.body.id}/events`).set('Accept', NDJSON), 404, 'audit_query_not_found');
      // Tenant administrators can neither declare nor read one, not even about their own tenant.
      expectProblem(await declare(sessions.acmeOwner, { tenant_id: acme.id, reason: REASON, ...windowOf(DAY, 0) }), 403, 'forbidden');
      expectProblem(await sessions.acmeOwner.get(`${API}/audit-queries/${declared.body.id}/events`), 403, 'forbidden');
      // None of that was a read.
      const reads = (await sessions.acmeOwner.get(`${API}/tenants/${acme.id}/audit-events?action=audit.read&target_id=${declared.body.id}`).expect(200)).body.items;
      expect(reads).toEqual([]);
    });

    it('refuse a window over 31 days, a reversed window, a short reason and an unknown tenant, recording nothing', async () => {
      const before = (await sql.query('select count(*)::int as n from audit_queries')).rows[0].n as number;
      const from = new Date(Date.now() - 40 * DAY);
      const cases: [Record<string, unknown>, number, string][] = [
        [{ tenant_id: acme.id, reason: REASON, from: from.toISOString(), to: new Date(from.getTime() + 31 * DAY + 1000).toISOString() }, 400, 'validation_failed'],
        [{ tenant_id: acme.id, reason: REASON, from: from.toISOString(), to: from.toISOString() }, 400, 'validation_failed'],
        [{ tenant_id: acme.id, reason: REASON, from: new Date(from.getTime() + DAY).toISOString(), to: from.toISOString() }, 400, 'validation_failed'],
        [{ tenant_id: acme.id, reason: 'too short', ...windowOf(DAY, 0) }, 400, 'validation_failed'],
        [{ tenant_id: acme.id, reason: '      short       ', ...windowOf(DAY, 0) }, 400, 'validation_failed'],
        [{ tenant_id: acme.id, reason: 'x'.repeat(501), ...windowOf(DAY, 0) }, 400, 'validation_failed'],
        [{ tenant_id: acme.id, reason: REASON, from: 'yesterday', to: 'today' }, 400, 'validation_failed'],
        [{ tenant_id: acme.id, reason: REASON, from: '2026-01-01T00:00:00', to: '2026-01-02T00:00:00' }, 400, 'validation_failed'],
        [{ tenant_id: acme.id, reason: REASON, ...windowOf(DAY, 0), extra: 1 }, 400, 'validation_failed'],
        [{ tenant_id: uuidv7(), reason: REASON, ...windowOf(DAY, 0) }, 404, 'tenant_not_found'],
      ];
      for (const [body, status, code] of cases) expectProblem(await declare(sessions.root, body), status, code);
      expect((await sql.query('select count(*)::int as n from audit_queries')).rows[0].n).toBe(before);
      // Exactly 31 days is allowed.
      await declare(sessions.root, { tenant_id: globex.id, reason: REASON, from: from.toISOString(), to: new Date(from.getTime() + 31 * DAY).toISOString() }).expect(201);
    });
  });

  describe('filters and pagination', () => {
    let tenant: SeededTenant;
    let owner: AdminSession;
    const base = Date.now() - 2 * 60 * MINUTE;
    const actorA = '0193a0e8-0000-7000-8000-00000000000a';
    const actorB = '0193a0e8-0000-7000-8000-00000000000b';
    const targetX = '0193a0e8-0000-7000-8000-0000000000ff';
    const ACTIONS = ['user.created', 'user.updated', 'auth.login.failed'];
    let all: EventView[];

    beforeAll(async () => {
      tenant = await seedTenant(planes, 'filters');
      owner = await AdminSession.signIn(planes, tenant.owner);
      const events: SeedEvent[] = Array.from({ length: 30 }, (_, i) => ({
        occurredAt: new Date(base + i * MINUTE),
        action: ACTIONS[i % 3]!,
        actorId: i % 2 === 0 ? actorA : actorB,
        targetId: i % 5 === 0 ? targetX : `0193a0e8-0000-7000-8000-0000000001${String(i).padStart(2, '0')}`,
        outcome: ACTIONS[i % 3] === 'auth.login.failed' ? 'failure' : 'success',
      }));
      // Three events in the same millisecond: their order is by id.
      for (let i = 0; i < 3; i++) events.push({ occurredAt: new Date(base + 30 * MINUTE), action: 'user.deleted', actorId: actorA });
      await insertEvents(tenant.id, events);
      all = (await owner.get(`${API}/tenants/${tenant.id}/audit-events?limit=200`).expect(200)).body.items as EventView[];
    });

    const list = async (query: string) => (await allPages(owner, `${API}/tenants/${tenant.id}/audit-events?${query}`, 200)).items;

    it('lists newest first, ties by id, and pages with a stable cursor', async () => {
      expect(all.length).toBeGreaterThanOrEqual(33);
      expect([...all].sort(newestFirst)).toEqual(all);
      const tie = all.filter((event) => event.action === 'user.deleted');
      expect(tie.map((event) => event.id)).toEqual(tie.map((event) => event.id).sort().reverse());

      const paged = await allPages(owner, `${API}/tenants/${tenant.id}/audit-events`, 7);
      expect(paged.items).toEqual(all);
      expect(paged.pages).toBe(Math.ceil(all.length / 7));

      // New events arriving between pages do not shift the pages that follow.
      const first = await owner.get(`${API}/tenants/${tenant.id}/audit-events?limit=5`).expect(200);
      await insertEvents(tenant.id, [{ occurredAt: new Date(), action: 'user.created' }]);
      const second = await owner.get(`${API}/tenants/${tenant.id}/audit-events?limit=5&cursor=${first.body.next_cursor}`).expect(200);
      expect(second.body.items).toEqual(all.slice(5, 10));
      all = (await owner.get(`${API}/tenants/${tenant.id}/audit-events?limit=200`).expect(200)).body.items as EventView[];
    });

    it('filters by action, actor_id, target_id and outcome, alone and together', async () => {
      const expectFilter = async (query: string, keep: (event: EventView) => boolean, count?: number) => {
        const found = await list(query);
        expect(found).toEqual(all.filter(keep));
        if (count !== undefined) expect(found).toHaveLength(count);
      };
      await expectFilter('action=auth.login.failed', (event) => event.action === 'auth.login.failed', 10);
      await expectFilter(`actor_id=${actorB}`, (event) => event.actor.id === actorB, 15);
      await expectFilter(`target_id=${targetX}`, (event) => event.target?.id === targetX, 6);
      await expectFilter('outcome=failure', (event) => event.outcome === 'failure', 10);
      await expectFilter('outcome=success', (event) => event.outcome === 'success');
      await expectFilter(`action=user.created&actor_id=${actorA}&target_id=${targetX}`, (event) => event.action === 'user.created' && event.actor.id === actorA && event.target?.id === targetX, 1);
      await expectFilter(`actor_id=${tenant.owner.id}`, (event) => event.actor.id === tenant.owner.id);
      expect(await list('action=token.issued')).toEqual([]);
    });

    it('filters by time: from inclusive, to exclusive', async () => {
      const at = (minutes: number) => new Date(base + minutes * MINUTE).toISOString();
      const inRange = (event: EventView, from: number, to: number) => Date.parse(event.occurred_at) >= base + from * MINUTE && Date.parse(event.occurred_at) < base + to * MINUTE;
      expect(await list(`from=${at(10)}&to=${at(20)}`)).toEqual(all.filter((event) => inRange(event, 10, 20)));
      expect(await list(`from=${at(10)}&to=${at(20)}`)).toHaveLength(10);
      expect(await list(`from=${at(29)}`)).toEqual(all.filter((event) => Date.parse(event.occurred_at) >= base + 29 * MINUTE));
      expect(await list(`to=${at(1)}`)).toHaveLength(1);
      expect(await list(`from=${at(5)}&to=${at(5)}`)).toEqual([]);
      // Offsets other than Z mean the same instants.
      const offset = encodeURIComponent(new Date(base + 10 * MINUTE + 2 * 60 * MINUTE).toISOString().replace('Z', '+02:00'));
      expect(await list(`from=${offset}&to=${at(20)}`)).toHaveLength(10);
      // Filters, time and pages together.
      const combined = await allPages(owner, `${API}/tenants/${tenant.id}/audit-events?from=${at(0)}&to=${at(30)}&outcome=success`, 3);
      expect(combined.items).toEqual(all.filter((event) => inRange(event, 0, 30) && event.outcome === 'success'));
    });

    it('refuses invalid filters and cursors (400), and a cursor from another tenant matches nothing', async () => {
      const path = `${API}/tenants/${tenant.id}/audit-events`;
      for (const query of [
        'from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z',
        'from=yesterday',
        'to=2026-01-01',
        'outcome=maybe',
        'action=User%20Created',
        `actor_id=${'a'.repeat(65)}`,
        'target_id=%27%3B%20drop',
        'limit=0',
        'limit=201',
        'action=a&action=b',
        'tenant_id=x',
      ]) {
        expectProblem(await owner.get(`${path}?${query}`), 400, 'validation_failed');
      }
      expectProblem(await owner.get(`${path}?cursor=not-a-cursor`), 400, 'invalid_cursor');
      expectProblem(await owner.get(`${path}?limit=5`).set('Accept', NDJSON), 400, 'validation_failed');
      const acmeEvent = (await sessions.acmeOwner.get(`${API}/tenants/${acme.id}/audit-events?limit=1`).expect(200)).body.items[0] as EventView;
      const foreign = Buffer.from(acmeEvent.id, 'utf8').toString('base64url');
      expect((await owner.get(`${path}?cursor=${foreign}`).expect(200)).body).toEqual({ items: [], next_cursor: null });
    });

    it('exports the same filtered range as NDJSON, oldest first, with no-store', async () => {
      const exported = await exportOf(owner, `${API}/tenants/${tenant.id}/audit-events`);
      expect(exported.status).toBe(200);
      expect(exported.headers['content-type']).toBe(NDJSON);
      expect(exported.headers['cache-control']).toBe('no-store');
      expect(exported.events).toEqual([...all].reverse());
      const failures = await exportOf(owner, `${API}/tenants/${tenant.id}/audit-events?outcome=failure&actor_id=${actorA}`);
      expect(failures.events).toEqual(all.filter((event) => event.outcome === 'failure' && event.actor.id === actorA).reverse());
      const empty = await exportOf(owner, `${API}/tenants/${tenant.id}/audit-events?action=token.issued`);
      expect({ status: empty.status, events: empty.events }).toEqual({ status: 200, events: [] });
    });

    it('exports with a service account’s Bearer token too, in windows that tile (the README’s SIEM recipe)', async () => {
      const registered = await owner
        .post(`${API}/tenants/${tenant.id}/clients`, { name: 'SIEM exporter', type: 'confidential', redirect_uris: [], grant_types: ['client_credentials'], scopes: ['audit:export'], roles: ['tenant_admin'] })
        .expect(201);
      const token = await request(planes.auth.getHttpServer())
        .post(`/t/${tenant.slug}/token`)
        .type('form')
        .auth(registered.body.client.client_id as string, registered.body.client_secret as string)
        .send({ grant_type: 'client_credentials' })
        .expect(200);
      const bearer = { authorization: `Bearer ${token.body.access_token as string}` };
      const at = (minutes: number) => new Date(base + minutes * MINUTE).toISOString();
      const first = await exportOf(bearer, `${API}/tenants/${tenant.id}/audit-events?from=${at(0)}&to=${at(15)}`);
      const second = await exportOf(bearer, `${API}/tenants/${tenant.id}/audit-events?from=${at(15)}&to=${at(31)}`);
      expect([first.status, second.status]).toEqual([200, 200]);
      expect([...first.events, ...second.events]).toEqual(all.filter((event) => Date.parse(event.occurred_at) < base + 31 * MINUTE).reverse());
      // In its own tenant only.
      const elsewhere = await request(planes.admin.getHttpServer()).get(`${API}/tenants/${acme.id}/audit-events`).set('Authorization', bearer.authorization).set('Accept', NDJSON);
      expectProblem(elsewhere, 403, 'forbidden');
    });
  });

  describe('NDJSON export of 100,000 events', () => {
    const TOTAL = 100_000;
    let bulk: SeededTenant;
    let owner: AdminSession;
    let firstId: string;

    beforeAll(async () => {
      bulk = await seedTenant(planes, 'bulk');
      owner = await AdminSession.signIn(planes, bulk.owner);
      await sql.query(
        `insert into audit_events (id, occurred_at, tenant_id, actor_type, actor_id, action, target_type, target_id, outcome, ip, user_agent, request_id, metadata)
         select gen_random_uuid(), now() - interval '2 days' + i * interval '1 millisecond', $1, 'user', $2, 'user.updated', 'user', gen_random_uuid()::text,
                case when i % 10 = 0 then 'failure' else 'success' end, '203.0.113.7', 'Mozilla/5.0 (X11; Linux x86_64) bulk-export-test', 'req-' || i,
                jsonb_build_object('fields', jsonb_build_array('name', 'locale', 'zoneinfo'), 'sequence', i, 'note', repeat('n', 120))
         from generate_series(1, ${TOTAL}) as i`,
        [bulk.id, bulk.owner.id],
      );
      // What autovacuum would do shortly after such a load: statistics for the planner.
      await sql.query('analyze audit_events');
      firstId = (await sql.query(`select id from audit_events where tenant_id = $1 order by occurred_at, id limit 1`, [bulk.id])).rows[0].id;
    }, 120_000);

    it('streams every event, each line valid JSON, while the heap stays bounded', async () => {
      const gc = exposedGc();
      gc?.();
      const baseline = heapNow();
      const peak = { ...baseline, live: baseline.used };
      // heapUsed every 2 ms, as it is (garbage included) ...
      const sampler = setInterval(() => {
        const now = heapNow();
        peak.used = Math.max(peak.used, now.used);
        peak.old = Math.max(peak.old, now.old);
        peak.youngCapacity = Math.max(peak.youngCapacity, now.youngCapacity);
      }, 2);
      // ... and what is alive, after a full collection, twice a second.
      const collector = gc
        ? setInterval(() => {
            gc();
            peak.live = Math.max(peak.live, heapNow().used);
          }, 500)
        : undefined;
      let parsed = 0;
      let previous = '';
      let ordered = true;
      let first: string | undefined;
      const started = Date.now();
      let result: StreamResult;
      try {
        result = await streamLines(planes.adminOrigin, `${API}/tenants/${bulk.id}/audit-events`, { cookie: owner.cookie }, (line) => {
          const event = JSON.parse(line) as EventView;
          if (event.tenant_id === bulk.id && typeof event.metadata.sequence === 'number') parsed++;
          if (event.occurred_at < previous) ordered = false;
          previous = event.occurred_at;
          first ??= event.id;
        });
      } finally {
        clearInterval(sampler);
        clearInterval(collector);
      }
      const seconds = (Date.now() - started) / 1000;
      const mib = (bytes: number) => bytes / 2 ** 20;
      const growth = mib(peak.used - baseline.used);
      const oldGrowth = mib(peak.old - baseline.old);
      const liveGrowth = mib(peak.live - baseline.used);
      gc?.();
      const retained = mib(heapNow().used - baseline.used);
      console.log(
        `NDJSON export: ${result.lines} lines, ${mib(result.bytes).toFixed(1)} MiB in ${seconds.toFixed(2)} s; heap baseline ${mib(baseline.used).toFixed(1)} MiB` +
          `${gc ? ' after a forced GC' : ' (no GC available: not collected)'}; peak growth of heapUsed sampled every 2 ms ${growth.toFixed(1)} MiB ` +
          `(outside the young generation ${oldGrowth.toFixed(1)} MiB; young generation capacity ${mib(peak.youngCapacity).toFixed(1)} MiB)` +
          `${gc ? `; peak growth of the live heap (full GC every 500 ms) ${liveGrowth.toFixed(1)} MiB; retained after the export ${retained.toFixed(1)} MiB` : ''}`,
      );
      expect(result.status).toBe(200);
      expect(result.headers['content-type']).toBe(NDJSON);
      // The bulk rows, plus the tenant's own creation and its owner's sign-in.
      expect(parsed).toBe(TOTAL);
      expect(result.lines).toBe(TOTAL + 2);
      expect(ordered).toBe(true);
      expect(first).toBe(firstId);
      // The payload is several times what the export may keep alive at any moment.
      expect(mib(result.bytes)).toBeGreaterThan(50);
      if (gc) {
        expect(liveGrowth).toBeLessThan(16);
        expect(retained).toBeLessThan(8);
      }
      // Uncollected garbage rides on top of that: V8 lets its young generation fill up to its
      // capacity, and promotes some short-lived strings (the driver's rows) that wait for the next
      // full collection. Whatever the GC's timing, it stays well below the payload held whole.
      expect(growth).toBeLessThan(mib(peak.youngCapacity) + 64);
    }, 120_000);

    it('stops querying when the client goes away, and keeps serving', async () => {
      const repository = planes.admin.get(AuditEventRepository);
      const batches = jest.spyOn(repository, 'oldestFirst');
      try {
        const result = await streamLines(planes.adminOrigin, `${API}/tenants/${bulk.id}/audit-events`, { cookie: owner.cookie }, () => undefined, 1500);
        expect(result.lines).toBe(1500);
        const atAbort = batches.mock.calls.length;
        await new Promise((resolve) => setTimeout(resolve, 500));
        const afterwards = batches.mock.calls.length;
        // At most the statement in flight when the client left; nowhere near the 101 of the whole export.
        expect(afterwards).toBeLessThanOrEqual(atAbort + 1);
        expect(afterwards).toBeLessThan(20);
      } finally {
        batches.mockRestore();
      }
      const page = await owner.get(`${API}/tenants/${bulk.id}/audit-events?limit=3`).expect(200);
      expect(page.body.items).toHaveLength(3);
    });
  });

  describe('declarations expire (the clock moves; runs last)', () => {
    it('an expired declaration is refused to its creator, and nothing is read', async () => {
      const declared = await declare(sessions.root, { tenant_id: acme.id, reason: REASON, ...windowOf(DAY, 0) }).expect(201);
      await sessions.root.get(`${API}/audit-queries/${declared.body.id}/events`).expect(200);
      planes.clock.advance(61 * MINUTE);
      // Sessions idle out over an hour too: sign in again.
      const fresh = await AdminSession.signIn(planes, root);
      expectProblem(await fresh.get(`${API}/audit-queries/${declared.body.id}/events`), 403, 'audit_query_expired');
      expectProblem(await fresh.get(`${API}/audit-queries/${declared.body.id}/events`).set('Accept', NDJSON), 403, 'audit_query_expired');
      const owner = await AdminSession.signIn(planes, acme.owner);
      const reads = (await owner.get(`${API}/tenants/${acme.id}/audit-events?action=audit.read&target_id=${declared.body.id}`).expect(200)).body.items;
      expect(reads).toHaveLength(1);
      // A new declaration works again.
      const renewed = await declare(fresh, { tenant_id: acme.id, reason: REASON, ...windowOf(DAY, 0) }).expect(201);
      await fresh.get(`${API}/audit-queries/${renewed.body.id}/events`).expect(200);
    });
  });
});
