// One benchmark session: settings from the command line, a fresh database, the server, the
// platform admin's console session, and cleanup (server stopped, database dropped) whatever happens.
import { readFileSync } from 'node:fs';
import { cpus, availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ADMIN_URL,
  ROOT,
  createBenchDatabase,
  dropBenchDatabase,
  killRunningServers,
  login,
  prepareDatabase,
  startServer,
  withClient,
} from './environment.mjs';

export function parseSettings(argv = process.argv.slice(2)) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowNegative: true,
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '32' },
      runs: { type: 'string', default: '3' },
      users: { type: 'string', default: '200' },
      'list-users': { type: 'string', default: '100000' },
      'threadpool-variants': { type: 'string', default: '2' },
      only: { type: 'string' },
      out: { type: 'string' },
      // OAuth benchmark (bench/oauth.bench.mjs)
      'refresh-pool': { type: 'string', default: '40000' },
      'peer-dir': { type: 'string' },
      'peer-memory': { type: 'boolean', default: true },
      'peer-program': { type: 'boolean', default: false },
      'rate-limit-variant': { type: 'boolean', default: true },
      'audit-variant': { type: 'boolean', default: true },
      loads: { type: 'string' },
    },
  });
  const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean).map(Number);
  return {
    duration: Number(values.duration),
    warmup: Number(values.warmup),
    connections: Number(values.connections),
    runs: Math.max(1, Number(values.runs)),
    users: Number(values.users),
    listUsers: Number(values['list-users']),
    listConnections: [Number(values.connections), 1],
    threadpoolVariants: list(values['threadpool-variants']),
    only: values.only,
    out: values.out,
    refreshPool: Number(values['refresh-pool']),
    peerDir: values['peer-dir'],
    peerMemory: values['peer-memory'],
    peerProgram: values['peer-program'],
    rateLimitVariant: values['rate-limit-variant'],
    auditVariant: values['audit-variant'],
    loads: values.loads ? values.loads.split(',').map((x) => x.trim()).filter(Boolean) : undefined,
  };
}

export function assertNode24() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 24) {
    process.stderr.write(`The benchmarks need Node 24 (this is ${process.version}); run them with \`npm run bench\`.\n`);
    process.exit(2);
  }
}

export async function describeSetup(settings) {
  const pkg = (name) => JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  const pgInfo = await withClient(ADMIN_URL, async (c) => {
    const get = async (q) => (await c.query(q)).rows[0];
    return {
      version: (await get('show server_version')).server_version,
      shared_buffers: (await get('show shared_buffers')).shared_buffers,
      work_mem: (await get('show work_mem')).work_mem,
      max_connections: (await get('show max_connections')).max_connections,
      synchronous_commit: (await get('show synchronous_commit')).synchronous_commit,
      jit: (await get('show jit')).jit,
    };
  });
  const cpu = cpus();
  return {
    date: new Date().toISOString(),
    machine: `${availableParallelism()} cores (${cpu[0]?.model?.trim() ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, shared and noisy`,
    node: process.version,
    postgres: pgInfo,
    autocannon: pkg('autocannon'),
    argon2: pkg('@node-rs/argon2'),
    poolMax: Number(process.env.OPENTRUSTY_DATABASE_POOL_MAX || 10),
    settings,
  };
}

export function setupMarkdown(setup) {
  const s = setup.settings;
  const pg = setup.postgres;
  return [
    `- Date: ${setup.date}`,
    `- Machine: ${setup.machine}; the server, PostgreSQL and autocannon share it.`,
    `- Node ${setup.node} (server and load generator); PostgreSQL ${pg.version} on 127.0.0.1 over TCP (shared_buffers ${pg.shared_buffers}, work_mem ${pg.work_mem}, max_connections ${pg.max_connections}, synchronous_commit ${pg.synchronous_commit}, jit ${pg.jit}).`,
    `- Server: \`node bin/opentrusty.js serve --plane admin\` (compiled; the OAuth benchmark adds \`serve --plane auth\` on the same database), its own process, default settings (pool ${setup.poolMax}, Argon2id m=19456 KiB t=2 p=1 unless OPENTRUSTY_ARGON2_* set, UV_THREADPOOL_SIZE unset = 4), OPENTRUSTY_LOG_LEVEL=warn, fresh database.`,
    `- Load: autocannon ${setup.autocannon} (programmatic API, in the runner process), pipelining 1, ${s.warmup} s warm-up (discarded) then ${s.duration} s measured; ${s.runs} runs per row; the row shows the run with the median req/s (its latencies) and every run's req/s.`,
  ].join('\n');
}

/**
 * Creates the database and server, signs in the platform admin, runs fn(ctx), and cleans up.
 * ctx: { baseUrl, database: { name, url }, platformAdmin, server }
 */
const extraCleanups = [];

/** Registers cleanup work (other servers, the peer, temp folders) for the end of withEnvironment, also on Ctrl-C; runs last-in first-out, before the database is dropped. */
export function addCleanup(fn) {
  extraCleanups.push(fn);
}

export async function withEnvironment(fn) {
  const operator = { tenant: 'operator', email: 'root@operator.example', password: 'bench-operator-password' };
  let database;
  let server;
  let cleaning = false;
  const cleanup = async () => {
    if (cleaning) return;
    cleaning = true;
    while (extraCleanups.length > 0) {
      const next = extraCleanups.pop();
      await Promise.resolve().then(next).catch((e) => process.stderr.write(`cleanup: ${e.message}\n`));
    }
    if (server) await server.stop().catch(() => {});
    killRunningServers();
    if (database) {
      await dropBenchDatabase(database.name).catch((e) => process.stderr.write(`could not drop ${database.name}: ${e.message}\n`));
      process.stderr.write(`dropped database ${database.name}\n`);
    }
  };
  const onSignal = (signal) => {
    process.stderr.write(`\n${signal}: cleaning up\n`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    database = await createBenchDatabase();
    process.stderr.write(`created database ${database.name}; migrating and bootstrapping\n`);
    await prepareDatabase(database.url, operator);
    server = await startServer(database.url);
    process.stderr.write(`server (pid ${server.pid}) ready at ${server.baseUrl}\n`);
    const platformAdmin = await login(server.baseUrl, operator.tenant, operator.email, operator.password);
    return await fn({ baseUrl: server.baseUrl, database, platformAdmin, server });
  } catch (error) {
    const gone = server?.exitInfo();
    if (gone) process.stderr.write(`\nthe server (pid ${server.pid}) had exited (code ${gone.code}, signal ${gone.signal}); its last output:\n${server.log().slice(-4000)}\n`);
    throw error;
  } finally {
    await cleanup();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

/** `node bench/<one>.bench.mjs [flags]`: one benchmark in its own environment. */
export async function standalone(name, run, report) {
  assertNode24();
  const settings = parseSettings();
  const setup = await describeSetup(settings);
  const result = await withEnvironment((ctx) => run(ctx, settings));
  process.stdout.write(`${setupMarkdown(setup)}\n\n${report(result)}\n`);
}
