// Where the server's main thread spends its time: `npm run build && node bench/profile.mjs`
// (Node 24; `npm run bench -- ...` flags do not apply). Not part of `npm run bench`: it starts
// the server with --cpu-prof (which slows it down), drives each scenario's route with autocannon
// for a while, stops the server (the profile is written on exit) and prints the self time of the
// main thread grouped by package and by function.
//
//   node bench/profile.mjs [--seconds 15] [--list-users 100000] [--keep DIR]
//                          [--scenarios login,list-first,list-deep]   (admin plane, the default)
//   node bench/profile.mjs --scenarios oauth-cc,oauth-refresh,oauth-introspect,oauth-discovery,oauth-jwks
//                                                                      (auth plane)
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { login, startServer, withClient } from './lib/environment.mjs';
import { assertNode24, withEnvironment } from './lib/session.mjs';
import { createTenant, createUsers } from './lib/seed.mjs';
import { seedUsers } from './admin-list-users.bench.mjs';
import { SLUG, TOKEN_RATE_LIMIT, refreshRequests, setupOAuth } from './oauth.bench.mjs';

assertNode24();
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '15' }, 'list-users': { type: 'string', default: '100000' }, keep: { type: 'string' }, scenarios: { type: 'string', default: 'login,list-first,list-deep' } } });
const seconds = Number(values.seconds);
const scenarios = values.scenarios.split(',').map((x) => x.trim()).filter(Boolean);
const ADMIN = ['login', 'list-first', 'list-deep'];
const OAUTH = ['oauth-cc', 'oauth-refresh', 'oauth-refresh-es256', 'oauth-refresh-plain', 'oauth-introspect', 'oauth-discovery', 'oauth-jwks'];
for (const s of scenarios) if (!ADMIN.includes(s) && !OAUTH.includes(s)) throw new Error(`unknown scenario ${s} (${[...ADMIN, ...OAUTH].join(', ')})`);

function summarize(file, requests) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i += 1) self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (dt[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const group = (node) => {
    const url = node.callFrame.url || '';
    const fn = node.callFrame.functionName || '(anonymous)';
    if (!url) return fn.startsWith('(') ? fn : `(native) ${fn}`;
    const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
    if (m) return m[1];
    if (url.includes('/dist/')) return `opentrusty ${url.split('/dist/')[1].split('/').slice(0, 2).join('/')}`;
    if (url.startsWith('node:')) return url;
    return url;
  };
  const byGroup = new Map();
  const byFn = new Map();
  for (const [id, us] of self) {
    const n = byId.get(id);
    const g = group(n);
    byGroup.set(g, (byGroup.get(g) ?? 0) + us);
    const key = `${n.callFrame.functionName || '(anonymous)'} ${(n.callFrame.url || '').replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}:${n.callFrame.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
  }
  const top = (m, k) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, k).map(([name, us]) => `  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${(us / 1000 / requests).toFixed(3).padStart(7)} ms/req  ${name}`);
  return { total, groups: top(byGroup, 25), functions: top(byFn, 30) };
}

async function load(opts) {
  return new Promise((resolveP, reject) => autocannon({ connections: 16, duration: seconds, ...opts }, (e, r) => (e ? reject(e) : resolveP(r))));
}

await withEnvironment(async (ctx) => {
  const password = 'bench-profile-password';
  let tenant;
  let emails;
  if (scenarios.some((x) => ADMIN.includes(x))) {
    tenant = await createTenant(ctx.baseUrl, ctx.platformAdmin, { slug: 'bench-profile', name: 'Profile', ownerEmail: 'owner@profile.example', ownerPassword: password });
    const owner = await login(ctx.baseUrl, tenant.slug, 'owner@profile.example', password);
    emails = Array.from({ length: 50 }, (_, i) => `admin${i}@profile.example`);
    await createUsers(ctx.baseUrl, owner, tenant.id, emails.map((email) => ({ email, password, roles: ['tenant_admin'] })));
    await seedUsers(ctx.database.url, tenant.id, Number(values['list-users']));
  }
  // Enough fresh refresh tokens for a profiled run (slower than a measured one).
  const oauth = scenarios.some((x) => OAUTH.includes(x)) ? await setupOAuth(ctx, { refreshPool: Math.max(5000, seconds * 1500) }) : null;

  for (const scenario of scenarios) {
    const dir = values.keep ? join(values.keep, scenario) : mkdtempSync(join(tmpdir(), `opentrusty-prof-${scenario}-`));
    let requests = 1;
    const plane = OAUTH.includes(scenario) ? 'auth' : 'admin';
    // As in oauth.bench.mjs: the token rate limit is counted but never binds (one client at full load).
    const env = plane === 'auth' ? { OPENTRUSTY_RATE_LIMIT_TOKEN_PER_CLIENT: TOKEN_RATE_LIMIT } : {};
    const server = await startServer(ctx.database.url, { plane, env, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
    try {
      let opts;
      if (plane === 'auth') {
        const issuer = `${server.baseUrl}/t/${SLUG}`;
        const form = 'application/x-www-form-urlencoded';
        if (scenario === 'oauth-cc') opts = { url: `${issuer}/token`, method: 'POST', headers: { authorization: oauth.serviceBasic, 'content-type': form }, body: 'grant_type=client_credentials' };
        else if (scenario.startsWith('oauth-refresh')) {
          const poolKey = { 'oauth-refresh': 'refresh-openid', 'oauth-refresh-es256': 'refresh-openid-es256', 'oauth-refresh-plain': 'refresh-plain' }[scenario];
          const pool = oauth.pools.find((candidate) => candidate.key === poolKey);
          opts = { url: server.baseUrl, requests: refreshRequests(pool) };
        } else if (scenario === 'oauth-introspect') {
          const res = await fetch(`${issuer}/token`, { method: 'POST', headers: { authorization: oauth.serviceBasic, 'content-type': form }, body: 'grant_type=client_credentials' });
          const token = (await res.json()).access_token;
          opts = { url: `${issuer}/introspect`, method: 'POST', headers: { authorization: oauth.serviceBasic, 'content-type': form }, body: `token=${token}` };
        } else if (scenario === 'oauth-discovery') opts = { url: `${issuer}/.well-known/openid-configuration` };
        else opts = { url: `${issuer}/jwks` };
      } else {
        const session = await login(server.baseUrl, tenant.slug, 'owner@profile.example', password);
        if (scenario === 'login') {
          let i = 0;
          opts = { url: server.baseUrl, requests: [{ method: 'POST', path: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, setupRequest: (r) => ({ ...r, body: JSON.stringify({ tenant: tenant.slug, email: emails[i++ % emails.length], password }) }) }] };
        } else {
          let path = `/api/v1/tenants/${tenant.id}/users`;
          if (scenario === 'list-deep') {
            const id = await withClient(ctx.database.url, async (c) => (await c.query('select id from users where tenant_id = $1 order by id offset 90000 limit 1', [tenant.id])).rows[0].id);
            path += `?cursor=${Buffer.from(id).toString('base64url')}`;
          }
          opts = { url: `${server.baseUrl}${path}`, headers: { cookie: session.cookie } };
        }
      }
      const r = await load(opts);
      requests = r.requests.total;
      process.stdout.write(`\n### ${scenario}: ${r.requests.total} requests in ${seconds} s under --cpu-prof (${r.non2xx} non-2xx)\n`);
    } finally {
      await server.stop();
    }
    try {
      const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
      if (!file) { process.stdout.write('no profile written\n'); continue; }
      const s = summarize(join(dir, file), requests);
      process.stdout.write(`main thread self time by package (${(s.total / 1000).toFixed(0)} ms sampled over the whole process life, startup included; ms/req divides by the ${requests} requests):\n${s.groups.join('\n')}\n\ntop functions:\n${s.functions.join('\n')}\n`);
    } finally {
      if (!values.keep) rmSync(dir, { recursive: true, force: true });
    }
  }
});
