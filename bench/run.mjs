// `npm run bench`: builds (the npm script), then runs the admin-plane benchmarks against one
// server process and the OAuth benchmark against an auth-plane server and the reference peer, on
// one throw-away database, and prints a summary (also written to --out).
//
//   npm run bench [-- --duration 10 --warmup 3 --connections 32 --runs 3 --users 200
//                     --list-users 100000 --threadpool-variants 2 --only login|list|oauth --out FILE
//                     --refresh-pool 40000 --peer-dir DIR --no-peer-memory --peer-program]
//   npm run bench:oauth [-- flags]      (= --only oauth)
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { reportAdminListUsers, runAdminListUsers } from './admin-list-users.bench.mjs';
import { reportAdminLogin, runAdminLogin } from './admin-login.bench.mjs';
import { oauthSummaryRows, reportOAuth, runOAuth } from './oauth.bench.mjs';
import { ceiling, fmt } from './lib/cannon.mjs';
import { assertNode24, describeSetup, parseSettings, setupMarkdown, withEnvironment } from './lib/session.mjs';

assertNode24();
const settings = parseSettings();
if (settings.only && !['login', 'list', 'oauth'].includes(settings.only)) throw new Error(`--only must be login, list or oauth (got ${settings.only})`);
const out = resolve(settings.out ?? join(tmpdir(), `opentrusty-bench-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.md`));
const setup = await describeSetup(settings);
process.stderr.write(`${setupMarkdown(setup)}\n\n`);

const results = await withEnvironment(async (ctx) => {
  const r = {};
  // Login first, while the database is small; the 100,000 users come after.
  if (!settings.only || settings.only === 'login') r.login = await runAdminLogin(ctx, settings);
  if (!settings.only || settings.only === 'list') r.list = await runAdminListUsers(ctx, settings);
  // OAuth last: its servers and the peer are stopped before it returns.
  if (!settings.only || settings.only === 'oauth') r.oauth = await runOAuth(ctx, settings);
  return r;
});

const summary = ['## Summary', '', '| benchmark | measured (median run) | goal | verdict |', '|---|---|---|---|'];
if (results.login) {
  const main = results.login.rows[0];
  const cap = results.login.argon2.capacity;
  const verdict = (ratio) => (ratio >= 0.85 ? 'met' : `missed by ${fmt((0.85 - ratio) * 100, 0)} points (${fmt((1 - ratio / 0.85) * 100, 0)}% below goal)`);
  summary.push(`| admin login, ${main.connections} connections, ${results.login.users} users | ${fmt(main.okPerSec, 1)} logins/s = ${fmt(main.ratio, 2)} × capacity (${fmt(cap, 1)}/s = ${results.login.argon2.cores} cores / ${fmt(results.login.argon2.medianMs, 2)} ms) | ratio ≥ 0.85 | ${verdict(main.ratio)} |`);
  const twoInFlight = results.login.argon2.inFlight.find((x) => x.k === results.login.argon2.cores);
  if (twoInFlight) summary.push(`| Argon2id alone in the runner, ${twoInFlight.k} verifications in flight (upper bound for any server here) | ${fmt(twoInFlight.perSecond, 1)} verifications/s = ${fmt(twoInFlight.perSecond / cap, 2)} × capacity | — | — |`);
  if (main.cpu) summary.push(`| admin login: CPU-bound ceiling without other processes (derived) | ${fmt(ceiling(main), 1)} logins/s = ${fmt(ceiling(main) / cap, 2)} × capacity | ratio ≥ 0.85 | ${verdict(ceiling(main) / cap)} |`);
  for (const v of results.login.rows.slice(1)) summary.push(`| admin login, UV_THREADPOOL_SIZE=${v.threadpool} (variant) | ${fmt(v.okPerSec, 1)} logins/s = ${fmt(v.ratio, 2)} × capacity; ceiling ${fmt(ceiling(v) / cap, 2)} × | ratio ≥ 0.85 | ${verdict(v.ratio)} |`);
}
if (results.list) {
  for (const r of results.list.rows) {
    const verdict = r.p50 < 20 ? 'met' : `missed (${fmt(r.p50 / 20, 1)}× the goal)`;
    if (r.connections === 1) summary.push(`| list users: ${r.target}, 1 connection (latency) | p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms, ${fmt(r.rps, 1)} req/s | p50 < 20 ms | ${verdict} |`);
    else summary.push(`| list users: ${r.target}, ${r.connections} connections (throughput) | ${fmt(r.rps, 1)} req/s, p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms | (p50 ≈ ${r.connections} in flight / throughput; the 20 ms goal is read at 1 connection) | ${r.p50 < 20 ? 'under 20 ms' : `p50 ${fmt(r.p50 / 20, 1)}× 20 ms`} |`);
  }
  const seq = results.list.explains.filter((e) => e.seqScan);
  summary.push(`| list users: plans of the route's statements | ${results.list.explains.length} plans, ${seq.length} with a sequential scan | no Seq Scan | ${seq.length === 0 ? 'met' : 'missed'} |`);
}

if (results.oauth) summary.push(...oauthSummaryRows(results.oauth));

const md = [
  results.oauth && !results.login && !results.list ? '# OpenTrusty OAuth benchmark' : '# OpenTrusty benchmarks',
  '',
  setupMarkdown(setup),
  '',
  summary.join('\n'),
  '',
  results.login ? reportAdminLogin(results.login) : '',
  '',
  results.list ? reportAdminListUsers(results.list) : '',
  '',
  results.oauth ? reportOAuth(results.oauth) : '',
  '',
].join('\n');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, md);
process.stdout.write(`${md}\nwritten to ${out}\n`);
