// Soak: a steady open-loop mix of real traffic against one `opentrusty serve` (both planes) for a
// long time, watching the server's memory, its error answers and its latency. Not a test: it
// reports; it does not pass or fail.
//
//   npm run build && node bench/soak.mjs                 # 2 minutes' warm-up, then 10 measured, at 200 requests/s
//   node bench/soak.mjs --minutes 2 --rate 100 --warmup-minutes 1   # shorter, lighter
//
// The warm-up runs the same traffic (JIT, the V8 heap reaching its working size, the pool and
// caches filling); its answers are checked for errors but kept out of the latency figures, and
// memory growth is read from the first measured minute to the last.
// Each request is scheduled on a fixed clock (1/rate apart) whatever the answers do, and its
// latency is counted from its scheduled time, so a stalled server shows up as latency instead of
// silently lowering the offered load.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, createBenchDatabase, dropBenchDatabase, freePort, killRunningServers, login, runCli, serverEnv, sleep, trackChild } from './lib/environment.mjs';
import { createTenant, createUsers } from './lib/seed.mjs';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    'warmup-minutes': { type: 'string', default: '2' },
    rate: { type: 'string', default: '200' },
    users: { type: 'string', default: '200' },
    out: { type: 'string' },
  },
});
const MINUTES = Number(values.minutes);
const WARMUP_MINUTES = Number(values['warmup-minutes']);
const RATE = Number(values.rate);
const USERS = Number(values.users);
const BIN = join(ROOT, 'bin', 'opentrusty.js');
const OUT = values.out ?? join(tmpdir(), `opentrusty-soak-${Date.now()}.md`);

/** Share of each kind in the mix; sign-ins are few because each costs an Argon2id verification. */
const MIX = [
  ['login', 0.05],
  ['token', 0.35],
  ['introspect', 0.35],
  ['admin-read', 0.25],
];


const operator = { tenant: 'operator', email: 'root@operator.example', password: `soak-${randomBytes(12).toString('hex')}` };
const database = await createBenchDatabase();
let server;
const cleanup = async () => {
  killRunningServers();
  await dropBenchDatabase(database.name).catch(() => undefined);
};
process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

try {
  const ports = { auth: await freePort(), admin: await freePort(), metrics: await freePort() };
  const env = serverEnv(database.url, {
    OPENTRUSTY_HOST: '127.0.0.1',
    OPENTRUSTY_AUTH_PORT: String(ports.auth),
    OPENTRUSTY_ADMIN_PORT: String(ports.admin),
    OPENTRUSTY_METRICS_PORT: String(ports.metrics),
    OPENTRUSTY_PUBLIC_URL: `http://127.0.0.1:${ports.auth}`,
    OPENTRUSTY_ADMIN_PUBLIC_URL: `http://127.0.0.1:${ports.admin}`,
  });
  await runCli(['migrate'], env);
  await runCli(['bootstrap', '--tenant', operator.tenant, '--email', operator.email, '--password', operator.password], env);
  server = await startBothPlanes(env, ports);
  const auth = `http://127.0.0.1:${ports.auth}`;
  const admin = `http://127.0.0.1:${ports.admin}`;

  // The tenant every request goes to: console users to sign in, a service account for admin reads
  // and introspection, a client for client_credentials grants.
  const platformAdmin = await login(admin, operator.tenant, operator.email, operator.password);
  const ownerPassword = `owner-${randomBytes(12).toString('hex')}`;
  const tenant = await createTenant(admin, platformAdmin, { slug: 'soak', name: 'Soak', ownerEmail: 'owner@soak.example', ownerPassword });
  const owner = await login(admin, 'soak', 'owner@soak.example', ownerPassword);
  const userPassword = `user-${randomBytes(12).toString('hex')}`;
  const users = Array.from({ length: USERS }, (_, i) => ({ email: `user-${i}@soak.example`, password: userPassword, roles: ['tenant_admin'] }));
  await createUsers(admin, owner, tenant.id, users);
  const service = await createClient(admin, owner, tenant.id, { name: 'Soak service', type: 'confidential', redirect_uris: [], grant_types: ['client_credentials'], scopes: ['api'], roles: ['tenant_admin'] });
  const basic = `Basic ${Buffer.from(`${service.client.client_id}:${service.client_secret}`).toString('base64')}`;
  const firstToken = await (await fetch(`${auth}/t/soak/token`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })).json();
  let bearer = firstToken.access_token;
  const userIds = (await (await fetch(`${admin}/api/v1/tenants/${tenant.id}/users?limit=200`, { headers: { authorization: `Bearer ${bearer}` } })).json()).items.map((u) => u.id);

  const send = {
    login: (i) => fetch(`${admin}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenant: 'soak', email: users[i % users.length].email, password: userPassword }) }),
    token: () => fetch(`${auth}/t/soak/token`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' }),
    introspect: () => fetch(`${auth}/t/soak/introspect`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${bearer}` }),
    'admin-read': (i) =>
      fetch(i % 2 ? `${admin}/api/v1/tenants/${tenant.id}/users?limit=20` : `${admin}/api/v1/tenants/${tenant.id}/users/${userIds[i % userIds.length]}`, { headers: { authorization: `Bearer ${bearer}` } }),
  };

  // Resident memory and a few server-side series, sampled every 5 s.
  const samples = [];
  const sampler = setInterval(() => void sample(server.pid, ports.metrics).then((s) => samples.push(s)).catch(() => undefined), 5_000);

  const results = new Map(MIX.map(([kind]) => [kind, { latencies: [], statuses: {} }]));
  const warmupStatuses = {};
  const byMinute = []; // latencies of every measured request, per minute of its scheduled time
  const warmupRequests = Math.round(WARMUP_MINUTES * 60 * RATE);
  const total = warmupRequests + Math.round(MINUTES * 60 * RATE);
  const interval = 1000 / RATE;
  const started = performance.now();
  const inFlight = new Set();
  let picked = 0;
  console.log(`soak: ${WARMUP_MINUTES} min warm-up + ${MINUTES} min at ${RATE} req/s = ${total} requests; report → ${OUT}`);
  for (let i = 0; i < total; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const kind = pick(picked++);
    const request = send[kind](i)
      .then(async (res) => {
        const body = await res.text();
        if (kind === 'token' && res.status === 200) bearer = JSON.parse(body).access_token;
        return res.status;
      })
      .catch(() => 'no-answer')
      .then((status) => {
        if (i < warmupRequests) {
          warmupStatuses[status] = (warmupStatuses[status] ?? 0) + 1;
        } else {
          const entry = results.get(kind);
          const latency = performance.now() - due;
          entry.latencies.push(latency);
          const minute = Math.floor((i - warmupRequests) / (RATE * 60));
          (byMinute[minute] ??= []).push(latency);
          entry.statuses[status] = (entry.statuses[status] ?? 0) + 1;
        }
        inFlight.delete(request);
      });
    inFlight.add(request);
    if (i % (RATE * 60) === 0 && i > 0) console.log(`  minute ${i / (RATE * 60)}: ${inFlight.size} in flight, rss ${mib(samples.at(-1)?.rss)} MiB`);
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - started) / 1000 - WARMUP_MINUTES * 60;
  clearInterval(sampler);
  samples.push(await sample(server.pid, ports.metrics));

  writeReport({ elapsed, results, warmupStatuses, byMinute, samples, server, measuredFrom: Date.now() - elapsed * 1000 });
} finally {
  await server?.stop();
  await cleanup();
}

function pick(n) {
  // Deterministic interleaving with the MIX shares: the kind whose share is most behind goes next.
  const counts = pick.counts ?? (pick.counts = Object.fromEntries(MIX.map(([kind]) => [kind, 0])));
  let best = MIX[0][0];
  let bestLag = -Infinity;
  for (const [kind, share] of MIX) {
    const lag = share * (n + 1) - counts[kind];
    if (lag > bestLag) [best, bestLag] = [kind, lag];
  }
  counts[best]++;
  return best;
}

async function createClient(admin, session, tenantId, body) {
  const res = await fetch(`${admin}/api/v1/tenants/${tenantId}/clients`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: session.cookie, 'x-csrf-token': session.csrf }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`create client: ${res.status} ${await res.text()}`);
  return res.json();
}

async function startBothPlanes(env, ports) {
  const child = spawn(process.execPath, [BIN, 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  trackChild(child);
  let log = '';
  const keep = (d) => (log = (log + d).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited before it was ready:\n${log}`);
    const ready = await Promise.all([ports.auth, ports.admin].map((port) => fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.status === 200, () => false)));
    if (ready.every(Boolean)) break;
    if (Date.now() > deadline) throw new Error(`server not ready within 60 s:\n${log}`);
    await sleep(250);
  }
  return {
    pid: child.pid,
    log: () => log,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Resident memory of the server process and its own view of heap, event loop and pool. */
async function sample(pid, metricsPort) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const metric = (name, labels = '') => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name}{`) === false && l.startsWith(`${name} `)));
    return line ? Number(line.split(' ').at(-1)) : undefined;
  };
  // CPU time so far, in clock ticks: the whole machine (busy and idle) and the server process.
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const ticks = fields.map(Number);
  const idle = ticks[3] + ticks[4];
  const total = ticks.reduce((a, b) => a + b, 0);
  const own = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return {
    at: Date.now(),
    machineBusy: total - idle,
    machineTotal: total,
    serverTicks: Number(own[11]) + Number(own[12]),
    rss,
    heapUsed: metric('opentrusty_nodejs_heap_size_used_bytes'),
    eventLoopLagP99: metric('opentrusty_nodejs_eventloop_lag_p99_seconds'),
    poolWaiting: metric('opentrusty_db_pool_connections', '{state="waiting"}'),
    poolTotal: metric('opentrusty_db_pool_connections', '{state="total"}'),
  };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function mib(bytes) {
  return bytes === undefined ? '?' : (bytes / 1048576).toFixed(1);
}

function ms(value) {
  return Number.isFinite(value) ? value.toFixed(1) : '?';
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function writeReport({ elapsed, results, warmupStatuses, byMinute, samples, server, measuredFrom }) {
  const all = [...results.values()].flatMap((r) => r.latencies).sort((a, b) => a - b);
  const statuses = {};
  for (const r of results.values()) for (const [status, n] of Object.entries(r.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
  const errorsIn = (counts) => Object.entries(counts).filter(([status]) => status === 'no-answer' || Number(status) >= 500).reduce((n, [, count]) => n + count, 0);
  const serverErrors = errorsIn(statuses);
  const warmupErrors = errorsIn(warmupStatuses);
  // Memory growth: the median of the first measured minute against the median of the last minute.
  const measured = samples.filter((s) => s.at >= measuredFrom);
  const firstMinute = measured.filter((s) => s.at < measuredFrom + 60_000);
  const early = firstMinute.length ? firstMinute : measured.slice(0, 1);
  const late = measured.slice(-Math.max(1, Math.round(60_000 / 5_000)));
  const rssEarly = median(early.map((s) => s.rss));
  const rssLate = median(late.map((s) => s.rss));
  const heapEarly = median(early.map((s) => s.heapUsed).filter(Number.isFinite));
  const heapLate = median(late.map((s) => s.heapUsed).filter(Number.isFinite));
  const lines = [
    `# Soak: ${MINUTES} min at ${RATE} requests/s, after ${WARMUP_MINUTES} min of warm-up`,
    '',
    `Machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), ${mib(totalmem())} MiB; Node ${process.version}; server and load generator on the same machine, PostgreSQL local.`,
    `Mix: ${MIX.map(([k, s]) => `${k} ${Math.round(s * 100)}%`).join(', ')}; ${USERS} console users, one service account; rate limits raised so none refuses.`,
    '',
    `Warm-up: ${Object.values(warmupStatuses).reduce((a, b) => a + b, 0)} requests, answers by status ${JSON.stringify(warmupStatuses)}, 5xx or no answer: ${warmupErrors}.`,
    `Measured: ${all.length} requests in ${elapsed.toFixed(0)} s (${(all.length / elapsed).toFixed(1)}/s achieved); answers by status: ${JSON.stringify(statuses)}; **5xx or no answer: ${serverErrors}**.`,
    '',
    '| kind | requests | p50 ms | p90 ms | p99 ms | max ms | statuses |',
    '|---|---|---|---|---|---|---|',
    ...[...results.entries()].map(([kind, r]) => {
      const sorted = [...r.latencies].sort((a, b) => a - b);
      return `| ${kind} | ${sorted.length} | ${ms(percentile(sorted, 50))} | ${ms(percentile(sorted, 90))} | ${ms(percentile(sorted, 99))} | ${ms(sorted.at(-1))} | ${JSON.stringify(r.statuses)} |`;
    }),
    `| all | ${all.length} | ${ms(percentile(all, 50))} | ${ms(percentile(all, 90))} | ${ms(percentile(all, 99))} | ${ms(all.at(-1))} | |`,
    '',
    `Server memory (RSS, median of the first measured minute → median of the last minute): ${mib(rssEarly)} → ${mib(rssLate)} MiB, **growth ${(((rssLate - rssEarly) / rssEarly) * 100).toFixed(1)}%**; V8 heap used ${mib(heapEarly)} → ${mib(heapLate)} MiB.`,
    `Peak RSS ${mib(Math.max(...samples.map((s) => s.rss)))} MiB; event-loop lag p99 at the end ${ms((samples.at(-1)?.eventLoopLagP99 ?? NaN) * 1000)} ms; database pool at the end ${samples.at(-1)?.poolTotal} open, ${samples.at(-1)?.poolWaiting} waiting.`,
    '',
    'Latency by measured minute (all kinds; a stall of the server or the machine shows as one bad minute):',
    '',
    '| minute | requests | p50 ms | p99 ms | max ms | machine busy (cores) | server process (cores) |',
    '|---|---|---|---|---|---|---|',
    ...byMinute.map((latencies, minute) => {
      const sorted = [...latencies].sort((a, b) => a - b);
      const from = measuredFrom + minute * 60_000;
      const inMinute = samples.filter((x) => x.at >= from && x.at < from + 60_000);
      const first = inMinute[0];
      const last = inMinute.at(-1);
      const cores = availableParallelism();
      const busy = first && last && last.machineTotal > first.machineTotal ? (((last.machineBusy - first.machineBusy) / (last.machineTotal - first.machineTotal)) * cores).toFixed(2) : '?';
      const server = first && last && last.at > first.at ? ((last.serverTicks - first.serverTicks) / 100 / ((last.at - first.at) / 1000)).toFixed(2) : '?';
      return `| ${minute + 1} | ${sorted.length} | ${ms(percentile(sorted, 50))} | ${ms(percentile(sorted, 99))} | ${ms(sorted.at(-1))} | ${busy} | ${server} |`;
    }),
    '',
    `RSS every minute, warm-up included (MiB): ${samples.filter((_, i) => i % 12 === 0).map((s) => mib(s.rss)).join(', ')}`,
    '',
  ];
  const report = lines.join('\n');
  writeFileSync(OUT, report);
  console.log(`\n${report}`);
  if (server.log().trim()) console.log(`server output (tail):\n${server.log().slice(-2000)}`);
}
