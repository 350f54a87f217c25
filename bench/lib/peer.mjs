// The reference peer of the OAuth benchmark: /work/shared/peer-bench (node-oidc-provider 9.13 with
// a minimal PostgreSQL adapter, or its in-memory store), used strictly as a separate program. A
// scratch copy gets its own `npm install` (it has its own package.json); then either its server
// entry (`lib/peer-server.mjs`) is started as a child process on a throw-away database made by its
// own helper (`lib/pg.mjs`), and loaded by the same autocannon runs as OpenTrusty, or its whole
// benchmark program (`peer-bench.mjs`) is run as it is. No code of the peer is copied here.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { trackChild } from './environment.mjs';

export const DEFAULT_PEER_SOURCE = process.env.BENCH_PEER_DIR || '/work/shared/peer-bench';

/** The environment for npm and the peer: Node 24 (this process's node) first on PATH. */
function childEnv(extra = {}) {
  return { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, ...extra };
}

function run(command, args, options) {
  return new Promise((resolveP, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    trackChild(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; options.onStdout?.(String(d)); });
    child.stderr.on('data', (d) => { err += d; options.onStderr?.(String(d)); });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolveP({ out, err }) : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`))));
  });
}

/**
 * Copies the peer to a temporary folder and installs its dependencies there.
 * Resolves { dir, source, versions: { 'oidc-provider', autocannon, pg }, cleanup() }.
 */
export async function preparePeer(source = DEFAULT_PEER_SOURCE) {
  if (!existsSync(join(source, 'peer-bench.mjs'))) throw new Error(`no peer benchmark at ${source} (set BENCH_PEER_DIR or --peer-dir)`);
  const dir = mkdtempSync(join(tmpdir(), 'opentrusty-peer-bench-'));
  cpSync(source, dir, { recursive: true });
  execFileSync('chmod', ['-R', 'u+w', dir]); // the source may be read-only; npm writes here
  const t0 = performance.now();
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, env: childEnv() });
  const version = (name) => JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
  return {
    dir,
    source,
    installSeconds: (performance.now() - t0) / 1000,
    versions: { 'oidc-provider': version('oidc-provider'), autocannon: version('autocannon'), pg: version('pg') },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Starts the peer's server (`lib/peer-server.mjs --adapter pg|memory`) as a child process, for pg
 * on a database made by the peer's own `lib/pg.mjs` (a role and database `otpeer_<random>`).
 * Resolves { adapter, pid, issuer, baseUrl, database (name or null), clientId, clientSecret, basic, stop() }.
 */
export async function startPeer(peer, adapter) {
  const pgHelpers = await import(pathToFileURL(join(peer.dir, 'lib', 'pg.mjs')).href);
  const database = adapter === 'pg' ? await pgHelpers.createDatabase('otpeer') : null;
  const clientId = 'bench-client';
  const clientSecret = randomBytes(32).toString('base64url');
  const args = [join(peer.dir, 'lib', 'peer-server.mjs'), '--adapter', adapter];
  if (database) args.push('--database-url', database.url);
  const child = spawn(process.execPath, args, {
    cwd: peer.dir,
    env: childEnv({ PEER_CLIENT_ID: clientId, PEER_CLIENT_SECRET: clientSecret, NODE_ENV: 'production' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  let log = '';
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => { if (child.exitCode === null) child.kill('SIGKILL'); }, 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (database) await pgHelpers.dropDatabase(database.name);
  };
  try {
    const ready = await new Promise((resolveP, reject) => {
      const timer = setTimeout(() => reject(new Error(`peer (${adapter}) did not start within 30 s: ${log}`)), 30_000);
      child.stderr.on('data', (d) => { log = (log + d).slice(-20_000); });
      child.stdout.on('data', (d) => {
        log = (log + d).slice(-20_000);
        const m = log.match(/READY (\{.*\})/);
        if (m) { clearTimeout(timer); resolveP(JSON.parse(m[1])); }
      });
      void exited.then((e) => { clearTimeout(timer); reject(new Error(`peer (${adapter}) exited (${e.code ?? e.signal}): ${log}`)); });
    });
    const basic = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
    return { adapter, pid: child.pid, issuer: ready.issuer, baseUrl: ready.baseUrl, database: database?.name ?? null, clientId, clientSecret, basic, stop, log: () => log };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

/** The peer's own statement counter (queries its adapter sent since it started). */
export async function peerQueries(peer) {
  const res = await fetch(`${peer.baseUrl}/__peer/stats`);
  return (await res.json()).queries;
}

/**
 * Runs the peer's unmodified benchmark program (`node peer-bench.mjs`, PostgreSQL then in-memory,
 * endpoints one after the other) with the given settings; resolves its markdown table.
 */
export async function runPeerProgram(peer, { duration, warmup, connections, runs }) {
  const out = join(peer.dir, 'peer-bench-result.md');
  const { out: stdout } = await run(process.execPath, ['peer-bench.mjs', '--duration', String(duration), '--warmup', String(warmup), '--connections', String(connections), '--runs', String(runs), '--out', out], {
    cwd: peer.dir,
    env: childEnv(),
    onStderr: (d) => process.stderr.write(`  [peer-bench] ${d}`),
  });
  return { table: stdout.split('\n').filter((l) => l.startsWith('|')).join('\n'), report: existsSync(out) ? readFileSync(out, 'utf8') : '' };
}
