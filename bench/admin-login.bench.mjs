// Admin console login throughput vs what the configured Argon2id cost allows on this machine.
//
// 1. Argon2id verification time with the server's own parameters (@node-rs/argon2 `verify`, the
//    function PasswordHasher uses), measured in this process while the server is idle: median of
//    many sequential runs, and the throughput of k verifications kept in flight at once.
// 2. capacity = cores / median verification time (cores = os.availableParallelism()).
// 3. autocannon against the real server: POST /api/v1/auth/login with the right password, spread
//    round-robin over many tenant_admin users of one tenant; every login creates a session row.
// 4. ratio = achieved logins/s (2xx only) / capacity; the goal is >= 0.85.
//
// Run it through the runner (`npm run bench`), or alone: `node bench/admin-login.bench.mjs`
// (Node 24, after `npm run build`); flags as for bench/run.mjs.
import { hash, verify } from '@node-rs/argon2';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ARGON2ID, argon2Parameters } from './lib/argon2.mjs';
import { ceiling, cpuTable, measureInterleaved, fmt } from './lib/cannon.mjs';
import { startServer, withClient } from './lib/environment.mjs';
import { createTenant, createUsers, login } from './lib/seed.mjs';
import { describeTrace, traceRequests } from './lib/trace.mjs';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

export async function measureArgon2({ samples = 100, seconds = 4 } = {}) {
  const params = argon2Parameters();
  const password = 'correct horse battery staple';
  const phc = await hash(password, { algorithm: ARGON2ID, ...params });
  for (let i = 0; i < 5; i += 1) await verify(phc, password);
  const times = [];
  for (let i = 0; i < samples; i += 1) {
    const t0 = performance.now();
    const ok = await verify(phc, password);
    times.push(performance.now() - t0);
    if (!ok) throw new Error('argon2 verify returned false');
  }
  // Throughput with k verifications in flight (they run on libuv's threadpool).
  const inFlight = [];
  for (const k of [1, 2, 4]) {
    let done = 0;
    const end = performance.now() + seconds * 1000;
    await Promise.all(Array.from({ length: k }, async () => {
      while (performance.now() < end) {
        await verify(phc, password);
        done += 1;
      }
    }));
    inFlight.push({ k, perSecond: done / seconds });
  }
  const cores = availableParallelism();
  const medianMs = median(times);
  return {
    params,
    phcPrefix: phc.split('$').slice(0, 4).join('$'),
    samples,
    medianMs,
    p10Ms: quantile(times, 0.1),
    p90Ms: quantile(times, 0.9),
    cores,
    threadpool: Number(process.env.UV_THREADPOOL_SIZE || 4),
    capacity: cores / (medianMs / 1000),
    inFlight,
  };
}

/**
 * @param ctx { baseUrl, database: { name, url }, platformAdmin: session }
 * @param settings { connections, warmup, duration, runs, users, threadpoolVariants: number[] }
 */
export async function runAdminLogin(ctx, settings) {
  const users = settings.users ?? 200;
  process.stderr.write(`admin login: measuring Argon2id verification in the runner process (server idle)\n`);
  const argon2 = await measureArgon2();
  process.stderr.write(
    `  argon2id m=${argon2.params.memoryCost},t=${argon2.params.timeCost},p=${argon2.params.parallelism}: median ${argon2.medianMs.toFixed(2)} ms ` +
      `(p10 ${argon2.p10Ms.toFixed(2)}, p90 ${argon2.p90Ms.toFixed(2)}, n=${argon2.samples}); capacity ${argon2.cores} cores / median = ${argon2.capacity.toFixed(1)}/s; ` +
      `in flight: ${argon2.inFlight.map((x) => `k=${x.k} ${x.perSecond.toFixed(1)}/s`).join(', ')}\n`,
  );

  process.stderr.write(`admin login: seeding tenant "bench-login" and ${users} tenant_admin users through the admin API\n`);
  const password = 'bench-login-password-1';
  const tenant = await createTenant(ctx.baseUrl, ctx.platformAdmin, { slug: 'bench-login', name: 'Login benchmark', ownerEmail: 'owner@login.bench.example', ownerPassword: password });
  const owner = await login(ctx.baseUrl, tenant.slug, 'owner@login.bench.example', password);
  const emails = Array.from({ length: users }, (_, i) => `admin${String(i).padStart(4, '0')}@login.bench.example`);
  await createUsers(ctx.baseUrl, owner, tenant.id, emails.map((email) => ({ email, password, roles: ['tenant_admin'] })));
  await login(ctx.baseUrl, tenant.slug, emails[0], password); // sanity: a seeded admin can sign in

  let counter = 0;
  const opts = {
    url: ctx.baseUrl,
    requests: [{
      method: 'POST',
      path: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      setupRequest: (req) => ({ ...req, body: JSON.stringify({ tenant: tenant.slug, email: emails[counter++ % emails.length], password }) }),
    }],
  };
  // The default server and one server per threadpool variant (idle while another is measured);
  // their runs are interleaved so the machine's noisy phases fall on all of them alike.
  const servers = [{ server: ctx.server, threadpool: 'default (4)', label: 'threadpool 4 (default)' }];
  const rows = [];
  try {
    for (const size of settings.threadpoolVariants ?? []) {
      servers.push({ server: await startServer(ctx.database.url, { env: { UV_THREADPOOL_SIZE: String(size) } }), threadpool: String(size), label: `UV_THREADPOOL_SIZE=${size}`, own: true });
    }
    process.stderr.write(`admin login: autocannon against ${servers.length === 1 ? 'the server' : `${servers.length} servers, runs interleaved`}\n`);
    const measured = await measureInterleaved(
      servers.map((s) => ({ name: `POST /api/v1/auth/login (${users} users, ${s.label})`, opts: { ...opts, url: s.server.baseUrl }, settings: { serverPid: s.server.pid } })),
      { ...settings, database: ctx.database.name },
    );
    measured.forEach((row, i) => rows.push({ ...row, threadpool: servers[i].threadpool, cpuLabel: servers[i].label, ratio: row.okPerSec / argon2.capacity }));
  } finally {
    for (const s of servers) if (s.own) await s.server.stop();
  }

  const trace = await traceRequests(ctx.database.url, [{
    label: 'POST /api/v1/auth/login',
    send: async (baseUrl) => (await fetch(`${baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenant: tenant.slug, email: emails[1], password }) })).status,
  }]);
  const sessions = await withClient(ctx.database.url, async (c) => (await c.query(`select count(*)::int as n from sessions where tenant_id = $1 and plane = 'admin'`, [tenant.id])).rows[0].n);
  return { argon2, users, rows, trace, sessions };
}

export function reportAdminLogin(result) {
  const { argon2, rows } = result;
  const lines = [];
  lines.push('## Admin login throughput vs Argon2id capacity');
  lines.push('');
  lines.push(`- Argon2id verify (@node-rs/argon2, m=${argon2.params.memoryCost} KiB, t=${argon2.params.timeCost}, p=${argon2.params.parallelism}), runner process, server idle: median **${argon2.medianMs.toFixed(2)} ms** (p10 ${argon2.p10Ms.toFixed(2)}, p90 ${argon2.p90Ms.toFixed(2)}, ${argon2.samples} sequential runs).`);
  lines.push(`- Capacity = ${argon2.cores} cores (os.availableParallelism()) / ${argon2.medianMs.toFixed(2)} ms = **${argon2.capacity.toFixed(1)} logins/s**. libuv threadpool: ${argon2.threadpool} threads (UV_THREADPOOL_SIZE unset = 4) in both processes.`);
  lines.push(`- Verifications/s with k in flight (runner, nothing else running): ${argon2.inFlight.map((x) => `k=${x.k}: ${x.perSecond.toFixed(1)}`).join(', ')}.`);
  lines.push('');
  lines.push('| server | logins/s (2xx, median run) | req/s all runs | ratio to capacity (goal ≥ 0.85) | p50 ms | p99 ms | non-2xx | errors |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    lines.push(`| threadpool ${r.threadpool} | ${fmt(r.okPerSec, 1)} | ${r.allRps.map((x) => fmt(x, 1)).join(' / ')} | **${fmt(r.ratio, 2)}** | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.non2xx} | ${r.errors + r.timeouts} |`);
  }
  lines.push('');
  lines.push('Where the CPU went, in CPU ms per login (median run; /proc accounting over the measured window). "Other processes" is everything else on the shared machine (other users\' test runs, other databases); the ceiling is what the cores would allow if only this benchmark ran (2 cores × 1000 / (server + PostgreSQL + autocannon ms per login)):');
  lines.push('');
  lines.push(cpuTable(rows, 'server'));
  lines.push('');
  for (const r of rows) {
    if (!r.cpu) continue;
    const c = ceiling(r);
    lines.push(`- ${r.cpuLabel}: ceiling ${fmt(c, 1)} logins/s = **${fmt(c / argon2.capacity, 2)} × capacity** if the machine were otherwise idle; Argon2id (threadpool) is ${fmt((100 * r.cpu.perRequestMs.serverThreadpool) / (c ? (argon2.cores * 1000) / c : 1), 0)}% of the CPU a login costs.`);
  }
  lines.push('');
  if (result.sessions !== undefined) lines.push(`Sessions rows in the login tenant at the end (one per successful login, warm-ups and all runs included): ${result.sessions}.`);
  lines.push('');
  lines.push('SQL of one login (traced on a separate, unmeasured server process):');
  lines.push('');
  lines.push('```');
  for (const t of result.trace) lines.push(describeTrace(t));
  lines.push('```');
  return lines.join('\n');
}

// Standalone: its own database and server.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { standalone } = await import('./lib/session.mjs');
  await standalone('login', runAdminLogin, reportAdminLogin);
}
