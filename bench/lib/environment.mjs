// The benchmark environment: a throw-away database on the system PostgreSQL, the compiled
// `opentrusty` command run as child processes (migrate, bootstrap, serve --plane admin), and
// plain HTTP helpers. The server under test always runs in its own process; the load generator
// (autocannon) runs in the process that imports this module.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'opentrusty.js');

/** Maintenance connection (any database of the server, as a role that may create databases). */
export const ADMIN_URL = process.env.BENCH_DATABASE_URL || 'postgresql://root@127.0.0.1:5432/test';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function withClient(url, fn) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

function urlFor(database) {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function createBenchDatabase() {
  const name = `opentrusty_bench_${randomBytes(5).toString('hex')}`;
  await withClient(ADMIN_URL, (c) => c.query(`CREATE DATABASE "${name}"`));
  return { name, url: urlFor(name) };
}

export async function dropBenchDatabase(name) {
  if (!/^opentrusty_bench_[0-9a-f]+$/.test(name)) throw new Error(`refusing to drop ${name}`);
  await withClient(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

export function freePort() {
  return new Promise((resolveP, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolveP(port));
    });
  });
}

/** The server's environment: only what we set, plus PATH/HOME (no stray OPENTRUSTY_* from the caller). */
export function serverEnv(databaseUrl, extra = {}) {
  const env = {};
  // Pass through only the settings a benchmark may vary on purpose (Argon2id cost, pool size).
  const passThrough = /^OPENTRUSTY_(ARGON2_|DATABASE_POOL_MAX$)/;
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('OPENTRUSTY_') ? passThrough.test(k) : k !== 'NODE_OPTIONS' && k !== 'UV_THREADPOOL_SIZE') env[k] = v;
  }
  return {
    ...env,
    OPENTRUSTY_DATABASE_URL: databaseUrl,
    OPENTRUSTY_KEY_ENCRYPTION_KEY: KEY_ENCRYPTION_KEY,
    OPENTRUSTY_LOG_LEVEL: 'warn',
    // Several servers may run side by side; none needs the Prometheus endpoint.
    OPENTRUSTY_METRICS_PORT: '0',
    // The load comes from one address, a few accounts and one client, far above the default
    // limits: each limit is still counted on every request (its statement runs) but never binds.
    ...UNBINDING_RATE_LIMITS,
    ...extra,
  };
}

const KEY_ENCRYPTION_KEY = randomBytes(32).toString('base64');

export const UNBINDING_RATE_LIMITS = {
  OPENTRUSTY_RATE_LIMIT_SIGN_IN_PER_IP: '999999999/1m',
  OPENTRUSTY_RATE_LIMIT_SIGN_IN_PER_ACCOUNT: '999999999/1m',
  OPENTRUSTY_RATE_LIMIT_TOKEN_PER_CLIENT: '999999999/1m',
  OPENTRUSTY_RATE_LIMIT_ADMIN_PER_CALLER: '999999999/1m',
};

/** Runs `opentrusty <args>` to completion; rejects on a non-zero exit. */
export function runCli(args, env) {
  return new Promise((resolveP, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolveP(out) : reject(new Error(`opentrusty ${args[0]} exited ${code}: ${out.slice(-2000)}`))));
  });
}

const running = new Set();

/** Registers another child process (e.g. the peer server) for killRunningServers(); it leaves the set when it exits. */
export function trackChild(child) {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/**
 * Starts `opentrusty serve --plane admin` (or `--plane auth` with options.plane = 'auth') on free
 * ports and waits for /health/ready on that plane's port; baseUrl is that plane's origin.
 * options.env: extra environment (e.g. UV_THREADPOOL_SIZE); options.nodeArgs: flags for node.
 */
export async function startServer(databaseUrl, options = {}) {
  const adminPort = await freePort();
  let authPort = await freePort();
  while (authPort === adminPort) authPort = await freePort();
  const env = serverEnv(databaseUrl, {
    OPENTRUSTY_HOST: '127.0.0.1',
    OPENTRUSTY_ADMIN_PORT: String(adminPort),
    OPENTRUSTY_AUTH_PORT: String(authPort),
    OPENTRUSTY_ADMIN_PUBLIC_URL: `http://127.0.0.1:${adminPort}`,
    OPENTRUSTY_PUBLIC_URL: `http://127.0.0.1:${authPort}`,
    ...options.env,
  });
  const plane = options.plane ?? 'admin';
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), BIN, 'serve', '--plane', plane], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let log = '';
  const keep = (d) => { log = (log + d).slice(-20_000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exitInfo = null;
  const exited = new Promise((r) => child.once('exit', (code, signal) => { running.delete(child); exitInfo = { code, signal }; r(exitInfo); }));
  const baseUrl = `http://127.0.0.1:${plane === 'auth' ? authPort : adminPort}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const early = await Promise.race([exited, sleep(250).then(() => null)]);
    if (early) throw new Error(`server exited (${early.code ?? early.signal}) before it was ready:\n${log}`);
    try {
      const res = await fetch(`${baseUrl}/health/ready`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stopChild(child, exited);
      throw new Error(`server not ready within 60 s:\n${log}`);
    }
  }
  return { child, pid: child.pid, plane, baseUrl, log: () => log, exitInfo: () => exitInfo, stop: () => stopChild(child, exited), exited };
}

async function stopChild(child, exited) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => { if (child.exitCode === null) child.kill('SIGKILL'); }, 15_000);
  await exited;
  clearTimeout(timer);
}

/** Last-resort cleanup (signals, crashes): kills only the children this process started. */
export function killRunningServers() {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
}

/** Prepares an empty database: migrate, bootstrap the operator tenant and platform admin. */
export async function prepareDatabase(databaseUrl, operator) {
  const env = serverEnv(databaseUrl);
  await runCli(['migrate'], env);
  await runCli(['bootstrap', '--tenant', operator.tenant, '--email', operator.email, '--password', operator.password], env);
}

export async function api(baseUrl, method, path, { body, session } = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (session) {
    headers.cookie = session.cookie;
    if (method !== 'GET') headers['x-csrf-token'] = session.csrf;
  }
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  return { status: res.status, headers: res.headers, json, text };
}

/** Console sign-in; returns { cookie, csrf, body }. */
export async function login(baseUrl, tenant, email, password) {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ tenant, email, password }),
  });
  const body = await res.json().catch(() => undefined);
  if (res.status !== 200) throw new Error(`login ${tenant}/${email} failed: ${res.status} ${JSON.stringify(body)}`);
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('opentrusty_admin=') || c.startsWith('__Host-opentrusty_admin='));
  if (!setCookie) throw new Error('login set no session cookie');
  return { cookie: setCookie.split(';')[0], csrf: body.csrf_token, body };
}
