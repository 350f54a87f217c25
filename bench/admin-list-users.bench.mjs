// GET /api/v1/tenants/{tid}/users on a tenant with 100,000 users: the default first page (50)
// and a page deep in the list (reached through next_cursor), at 32 connections (throughput) and
// 1 connection (latency), plus EXPLAIN (ANALYZE, BUFFERS) of the statements the route runs,
// captured from a traced (unmeasured) server process.
//
// Run it through the runner (`npm run bench`), or alone: `node bench/admin-list-users.bench.mjs`
// (Node 24, after `npm run build`); flags as for bench/run.mjs.
import { hash } from '@node-rs/argon2';
import { performance } from 'node:perf_hooks';
import { ARGON2ID, argon2Parameters } from './lib/argon2.mjs';
import { cpuTable, measureInterleaved, fmt } from './lib/cannon.mjs';
import { api, withClient } from './lib/environment.mjs';
import { createTenant, login } from './lib/seed.mjs';
import { describeTrace, traceRequests } from './lib/trace.mjs';

/**
 * Bulk users in SQL: ids are UUIDv7-shaped (48-bit ms timestamp, version 7, variant 10, random
 * bits) with one distinct timestamp per user (base + g seconds), so they are unique and sort by
 * creation time like the server's own. Every user gets a password credential (one shared
 * Argon2id hash: these users never sign in) and the tenant_member role.
 */
const SEED_SQL = `
with p as (select $1::uuid as tenant_id, (extract(epoch from now()) * 1000)::bigint - 40 * 86400000::bigint as base_ms)
insert into users (id, tenant_id, email, email_verified, name, given_name, family_name, status, failed_login_count, created_at, updated_at)
select (lpad(to_hex(p.base_ms + g * 1000), 12, '0') || '7' || lpad(to_hex((random() * 4095)::int), 3, '0')
        || to_hex(8 + (random() * 3)::int) || lpad(to_hex((random() * 4095)::int), 3, '0')
        || lpad(to_hex((random() * 281474976710655)::bigint), 12, '0'))::uuid,
       p.tenant_id, 'user' || lpad(g::text, 6, '0') || '@list.bench.example', g % 3 = 0,
       'Bench User ' || g, 'Bench', 'User ' || g, 'active', 0,
       to_timestamp((p.base_ms + g * 1000) / 1000.0), to_timestamp((p.base_ms + g * 1000) / 1000.0)
  from p, generate_series(1, $2::int) g`;

const SEED_ROLES_SQL = `
insert into role_assignments (id, role_key, tenant_id, user_id, client_id, created_at)
select (substr(replace(u.id::text, '-', ''), 1, 12) || '7' || lpad(to_hex((random() * 4095)::int), 3, '0')
        || to_hex(8 + (random() * 3)::int) || lpad(to_hex((random() * 4095)::int), 3, '0')
        || lpad(to_hex((random() * 281474976710655)::bigint), 12, '0'))::uuid,
       'tenant_member', u.tenant_id, u.id, null, u.created_at
  from users u where u.tenant_id = $1::uuid and u.email like 'user%@list.bench.example'`;

const SEED_CREDENTIALS_SQL = `
insert into password_credentials (id, user_id, hash, created_at, updated_at)
select (substr(replace(u.id::text, '-', ''), 1, 12) || '7' || lpad(to_hex((random() * 4095)::int), 3, '0')
        || to_hex(8 + (random() * 3)::int) || lpad(to_hex((random() * 4095)::int), 3, '0')
        || lpad(to_hex((random() * 281474976710655)::bigint), 12, '0'))::uuid,
       u.id, $2, u.created_at, u.created_at
  from users u where u.tenant_id = $1::uuid and u.email like 'user%@list.bench.example'`;

export async function seedUsers(databaseUrl, tenantId, count) {
  const phc = await hash('bench-list-unused-password', { algorithm: ARGON2ID, ...argon2Parameters() });
  return withClient(databaseUrl, async (c) => {
    const t0 = performance.now();
    await c.query('begin');
    await c.query(SEED_SQL, [tenantId, count]);
    await c.query(SEED_ROLES_SQL, [tenantId]);
    await c.query(SEED_CREDENTIALS_SQL, [tenantId, phc]);
    await c.query('commit');
    const insertMs = performance.now() - t0;
    const t1 = performance.now();
    // ANALYZE for the planner; VACUUM as autovacuum would do shortly after a bulk insert (so it
    // does not start in the middle of a measured run) and to set the visibility map.
    await c.query('vacuum (analyze) users, role_assignments, password_credentials, sessions, tenants');
    const analyzeMs = performance.now() - t1;
    const { rows } = await c.query(
      `select (select count(*) from users where tenant_id = $1)::int as users,
              (select count(*) from role_assignments where tenant_id = $1)::int as roles,
              (select count(*) from password_credentials pc join users u on u.id = pc.user_id where u.tenant_id = $1)::int as credentials,
              (select count(*) from users)::int as all_users,
              pg_size_pretty(pg_total_relation_size('users')) as users_size,
              pg_size_pretty(pg_total_relation_size('role_assignments')) as roles_size`,
      [tenantId],
    );
    return { insertMs, analyzeMs, ...rows[0] };
  });
}

const encodeCursor = (id) => Buffer.from(id, 'utf8').toString('base64url');

/** Runs EXPLAIN (ANALYZE, BUFFERS) of a traced statement with its own parameter values. */
async function explain(databaseUrl, statement) {
  return withClient(databaseUrl, async (c) => {
    // Three times on one connection (warm catalog caches, like the server's pooled connections);
    // the last plan is reported.
    let rows = [];
    for (let i = 0; i < 3; i += 1) ({ rows } = await c.query(`explain (analyze, buffers) ${statement.text}`, statement.params ?? []));
    return rows.map((r) => r['QUERY PLAN']);
  });
}

/**
 * @param ctx { baseUrl, database: { name, url }, platformAdmin: session }
 * @param settings { connections, warmup, duration, runs, listUsers (count), deepOffset }
 */
export async function runAdminListUsers(ctx, settings) {
  const count = settings.listUsers ?? 100_000;
  const deepOffset = settings.deepOffset ?? Math.floor(count * 0.9);
  process.stderr.write(`admin list users: creating tenant "bench-list" through the API, then ${count} users by SQL\n`);
  const password = 'bench-list-owner-password';
  const tenant = await createTenant(ctx.baseUrl, ctx.platformAdmin, { slug: 'bench-list', name: 'List benchmark', ownerEmail: 'owner@list.bench.example', ownerPassword: password });
  const seed = await seedUsers(ctx.database.url, tenant.id, count);
  process.stderr.write(`  seeded ${seed.users} users (${seed.roles} role assignments, ${seed.credentials} credentials) in ${(seed.insertMs / 1000).toFixed(1)} s; vacuum+analyze ${(seed.analyzeMs / 1000).toFixed(1)} s; users table ${seed.users_size}\n`);

  const owner = await login(ctx.baseUrl, tenant.slug, 'owner@list.bench.example', password);
  const base = `/api/v1/tenants/${tenant.id}/users`;

  // Deep page: the page after the user at position deepOffset, then its next_cursor.
  const anchor = await withClient(ctx.database.url, async (c) => (await c.query('select id from users where tenant_id = $1 order by id offset $2 limit 1', [tenant.id, deepOffset - 1])).rows[0].id);
  const first = await api(ctx.baseUrl, 'GET', base, { session: owner });
  if (first.status !== 200 || first.json.items.length !== 50 || !first.json.next_cursor) throw new Error(`first page: ${first.status} ${first.text.slice(0, 300)}`);
  const hop = await api(ctx.baseUrl, 'GET', `${base}?cursor=${encodeCursor(anchor)}`, { session: owner });
  if (hop.status !== 200 || !hop.json.next_cursor) throw new Error(`deep page: ${hop.status} ${hop.text.slice(0, 300)}`);
  const deepCursor = hop.json.next_cursor;
  const deep = await api(ctx.baseUrl, 'GET', `${base}?cursor=${deepCursor}`, { session: owner });
  if (deep.status !== 200 || deep.json.items.length !== 50) throw new Error(`deep page (next_cursor): ${deep.status} ${deep.text.slice(0, 300)}`);
  const deepPosition = await withClient(ctx.database.url, async (c) => (await c.query('select count(*)::int as n from users where tenant_id = $1 and id < $2', [tenant.id, deep.json.items[0].id])).rows[0].n);
  const bytes = { first: Buffer.byteLength(first.text), deep: Buffer.byteLength(deep.text) };

  const targets = [
    { label: 'first page (limit 50)', path: base },
    { label: `deep page (users ${deepPosition + 1}–${deepPosition + 50} of ${seed.users}, via next_cursor)`, path: `${base}?cursor=${deepCursor}` },
  ];
  const headers = { cookie: owner.cookie, accept: 'application/json' };
  const items = [];
  for (const target of targets) {
    for (const connections of settings.listConnections ?? [32, 1]) {
      items.push({ name: `GET ${target.label}`, opts: { url: `${ctx.baseUrl}${target.path}`, headers }, settings: { connections }, target: target.label, cpuLabel: `${target.label.split(' (')[0]}, ${connections} conn.` });
    }
  }
  const measured = await measureInterleaved(items, { ...settings, database: ctx.database.name, serverPid: ctx.server.pid });
  const rows = measured.map((row, i) => ({ ...row, target: items[i].target, cpuLabel: items[i].cpuLabel }));

  // The statements of one request of each kind, from a traced server, and their plans.
  const trace = await traceRequests(ctx.database.url, targets.map((t) => ({
    label: `GET ${t.label}`,
    send: async (baseUrl) => (await fetch(`${baseUrl}${t.path}`, { headers })).status,
  })));
  const explains = [];
  for (const entry of trace) {
    for (const statement of entry.statements) {
      const text = statement.text.replace(/\s+/g, ' ');
      const isList = /from "users"/i.test(text) && /order by/i.test(text) && /limit/i.test(text);
      const isRoles = /from role_assignments/i.test(text) && /user_id in/i.test(text);
      if (!isList && !isRoles) continue;
      const plan = await explain(ctx.database.url, statement);
      explains.push({ request: entry.label, kind: isList ? 'UserRepository.list()' : 'RoleAssignmentRepository.rolesOfUsers()', sql: text, params: statement.params, plan, seqScan: plan.some((l) => /Seq Scan/.test(l)) });
    }
  }
  // For comparison only (NOT what the server runs): two ways to get has_password for the deep
  // page without MikroORM's automatic LEFT JOIN of the inverse one-to-one side.
  const cursorId = Buffer.from(deepCursor, 'base64url').toString('utf8');
  const pageIds = deep.json.items.map((u) => u.id);
  const alternatives = [
    {
      label: 'users page without the join, then the page\'s credentials by id (like rolesOfUsers)',
      statements: [
        { text: 'select u0.* from users u0 where u0.tenant_id = $1 and u0.id > $2 order by u0.id asc limit 51', params: [tenant.id, cursorId] },
        { text: 'select user_id from password_credentials where user_id = any($1::uuid[])', params: [pageIds] },
      ],
    },
    {
      label: 'LEFT JOIN LATERAL with a per-row lookup',
      statements: [
        { text: 'select u0.*, p1.id as p1__id from users u0 left join lateral (select p.id from password_credentials p where p.user_id = u0.id limit 1) p1 on true where u0.tenant_id = $1 and u0.id > $2 order by u0.id asc limit 51', params: [tenant.id, cursorId] },
      ],
    },
  ];
  for (const alt of alternatives) for (const st of alt.statements) st.plan = await explain(ctx.database.url, st);
  return { tenantId: tenant.id, seed, deepPosition, bytes, rows, trace, explains, alternatives };
}

export function reportAdminListUsers(result) {
  const lines = [];
  lines.push('## Admin list users (tenant with 100,000 users)');
  lines.push('');
  lines.push(`- Seed: ${result.seed.users} users + ${result.seed.roles} tenant_member assignments + ${result.seed.credentials} password credentials by SQL in ${(result.seed.insertMs / 1000).toFixed(1)} s, then VACUUM (ANALYZE) in ${(result.seed.analyzeMs / 1000).toFixed(1)} s; users table ${result.seed.users_size}, role_assignments ${result.seed.roles_size}.`);
  lines.push(`- Response sizes: first page ${result.bytes.first} B, deep page ${result.bytes.deep} B. Caller: the tenant owner's console session (cookie).`);
  lines.push('');
  lines.push('| page | connections | req/s (median run) | req/s all runs | p50 ms (goal < 20) | p99 ms | p50 all runs | non-2xx | errors |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of result.rows) {
    lines.push(`| ${r.target} | ${r.connections} | ${fmt(r.rps, 1)} | ${r.allRps.map((x) => fmt(x, 1)).join(' / ')} | **${fmt(r.p50)}** | ${fmt(r.p99)} | ${r.allP50.join(' / ')} | ${r.non2xx} | ${r.errors + r.timeouts} |`);
  }
  lines.push('');
  lines.push('Where the CPU went, in CPU ms per request (median run; /proc accounting over the measured window; "other processes" is everything else on the shared machine):');
  lines.push('');
  lines.push(cpuTable(result.rows, 'page, connections'));
  lines.push('');
  lines.push('SQL of one request (traced on a separate, unmeasured server process):');
  lines.push('');
  lines.push('```');
  for (const t of result.trace) lines.push(describeTrace(t));
  lines.push('```');
  lines.push('');
  for (const e of result.explains) {
    lines.push(`EXPLAIN (ANALYZE, BUFFERS) — ${e.kind}, ${e.request} — sequential scan: **${e.seqScan ? 'YES' : 'no'}**`);
    lines.push('');
    lines.push('```');
    lines.push(e.sql.length > 600 ? `${e.sql.slice(0, 600)}…` : e.sql);
    lines.push(`-- params: ${JSON.stringify(e.params).slice(0, 300)}`);
    for (const l of e.plan) lines.push(l);
    lines.push('```');
    lines.push('');
  }
  for (const alt of result.alternatives ?? []) {
    lines.push(`For comparison only — not what the server runs — deep page, ${alt.label}:`);
    lines.push('');
    lines.push('```');
    for (const st of alt.statements) {
      lines.push(st.text);
      lines.push(`-- params: ${JSON.stringify(st.params).slice(0, 200)}`);
      for (const l of st.plan) lines.push(l);
      lines.push('');
    }
    lines.push('```');
    lines.push('');
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { standalone } = await import('./lib/session.mjs');
  await standalone('list', runAdminListUsers, reportAdminListUsers);
}
