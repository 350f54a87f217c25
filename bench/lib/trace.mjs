// SQL trace of single requests: starts a second, unmeasured server process with the
// sql-trace preload, sends the given requests one at a time and returns, per request, the
// statements the server sent to PostgreSQL (text, parameters, client-side duration).
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startServer, sleep } from './environment.mjs';

function lines(file) {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
}

/**
 * Starts a traced (unmeasured) server and runs fn({ baseUrl, capture }), then stops it.
 * capture(label, send) runs `send()` (which returns an HTTP status, or { status, ... }) and returns
 * { label, status, ms, statements }: the statements the server sent while it ran.
 * @param options { plane: 'admin' | 'auth' }
 */
export async function withTracedServer(databaseUrl, options, fn) {
  const file = join(tmpdir(), `opentrusty-bench-sql-${randomBytes(4).toString('hex')}.jsonl`);
  const server = await startServer(databaseUrl, {
    plane: options?.plane,
    nodeArgs: ['--import', join(ROOT, 'bench', 'lib', 'sql-trace.preload.mjs')],
    env: { BENCH_SQL_TRACE_FILE: file },
  });
  const capture = async (label, send) => {
    await sleep(50);
    const start = lines(file).length;
    const t0 = performance.now();
    const sent = await send();
    const ms = performance.now() - t0;
    await sleep(50);
    const status = typeof sent === 'object' && sent !== null ? sent.status : sent;
    return { label, status, ms, statements: lines(file).slice(start), result: sent };
  };
  try {
    return await fn({ baseUrl: server.baseUrl, capture });
  } finally {
    await server.stop();
    rmSync(file, { force: true });
  }
}

/**
 * @param databaseUrl the benchmark database
 * @param requests [{ label, send: (baseUrl) => Promise<Response-like> }], sent in order, each twice
 *        (the first is a warm-up and its statements are discarded)
 * @param options { plane: 'admin' (default) | 'auth' }
 */
export async function traceRequests(databaseUrl, requests, options = {}) {
  return withTracedServer(databaseUrl, options, async ({ baseUrl, capture }) => {
    const out = [];
    for (const request of requests) {
      await request.send(baseUrl);
      out.push(await capture(request.label, () => request.send(baseUrl)));
    }
    return out;
  });
}

/** One line per statement, shortened, for reports. */
export function describeTrace(entry, width = 160) {
  const rows = entry.statements.map((s, i) => {
    const text = s.text.replace(/\s+/g, ' ').trim();
    return `    ${String(i + 1).padStart(2)}. [${s.ms.toFixed(2)} ms] ${text.length > width ? `${text.slice(0, width)}…` : text}`;
  });
  const dbMs = entry.statements.reduce((n, s) => n + s.ms, 0);
  return `  ${entry.label}: HTTP ${entry.status}, ${entry.statements.length} statements, ${dbMs.toFixed(2)} ms in the driver, ${entry.ms.toFixed(1)} ms end to end (one request, second of its kind, on a freshly started traced server: not a measurement)\n${rows.join('\n')}`;
}
