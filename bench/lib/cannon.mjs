// autocannon in this process (the server is another process), the reference method of
// /work/shared/peer-bench: per run a warm-up (discarded) then a measured window; several runs;
// the run with the median throughput is reported with its latencies, plus every run's req/s.
import { availableParallelism } from 'node:os';
import autocannon from 'autocannon';
import { cpuDelta, cpuSnapshot } from './cpu.mjs';

export const DEFAULTS = { connections: 32, warmup: 3, duration: 10, runs: 3 };

function once(opts) {
  return new Promise((resolveP, reject) => {
    const instance = autocannon({ pipelining: 1, timeout: 10, ...opts }, (error, result) => (error ? reject(error) : resolveP(result)));
    instance.on('error', () => {});
  });
}

async function measureRun(opts, { connections, warmup, duration, database, serverPid }, hooks = {}) {
  if (hooks.beforeRun) await hooks.beforeRun();
  if (warmup > 0) await once({ ...opts, connections, duration: warmup });
  if (hooks.afterWarmup) await hooks.afterWarmup();
  const cpuBefore = serverPid ? await cpuSnapshot(serverPid, database) : null;
  const r = await once({ ...opts, connections, duration });
  const cpuAfter = cpuBefore ? await cpuSnapshot(serverPid, database) : null;
  const cpu = cpuBefore ? cpuDelta(cpuBefore, cpuAfter, r.requests.total + connections) : undefined;
  const total2xx = r['2xx'] ?? 0;
  const extra = hooks.afterRun ? await hooks.afterRun(r) : undefined;
  return {
    ...extra,
    rps: r.requests.average,
    total: r.requests.total,
    ok: total2xx,
    okPerSec: total2xx / duration,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p97_5: r.latency.p97_5,
    p99: r.latency.p99,
    max: r.latency.max,
    mean: r.latency.mean,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes: r.statusCodeStats,
    cpu,
  };
}

function aggregate(name, config, runs) {
  const sorted = [...runs].sort((a, b) => a.rps - b.rps);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  const row = {
    name,
    connections: config.connections,
    warmup: config.warmup,
    duration: config.duration,
    ...median,
    allRps: runs.map((r) => r.rps),
    allP50: runs.map((r) => r.p50),
    allP99: runs.map((r) => r.p99),
    runs,
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    timeouts: runs.reduce((n, r) => n + r.timeouts, 0),
  };
  process.stderr.write(
    `  ${name} [c=${row.connections}]: ${row.rps.toFixed(1)} req/s (runs: ${row.allRps.map((x) => x.toFixed(1)).join(', ')}), ` +
      `p50 ${row.p50} ms, p99 ${row.p99} ms, non2xx ${row.non2xx}, errors ${row.errors}` +
      (row.cpu ? `, CPU ms/req: ${cpuText(row.cpu)}` : '') +
      '\n',
  );
  return row;
}

/**
 * Measures several configurations with their runs interleaved (run 1 of each, then run 2 of each,
 * ...), so that the machine's slow phases (other users' work) fall on every configuration alike.
 * @param items [{ name, opts (autocannon: url, method, headers, body, requests, ...), settings,
 *        hooks? { beforeRun(), afterWarmup(), afterRun(result) => extra fields for the run } }]
 *        settings: { connections, warmup, duration, runs, database (its backends' CPU is counted), serverPid }
 * @param common also { alternate: true }: every other round goes through the items in reverse
 *        order (A B, B A, A B...), so neighbours take turns at being first
 * @returns one row per item, in order: the run with the median req/s, plus every run's req/s and p50
 */
export async function measureInterleaved(items, common = {}) {
  const configs = items.map((item) => ({ ...DEFAULTS, ...common, ...item.settings }));
  const nRuns = Math.max(...configs.map((c) => c.runs));
  const runs = items.map(() => []);
  for (let i = 0; i < nRuns; i += 1) {
    const order = items.map((_, j) => j);
    if (common.alternate && i % 2 === 1) order.reverse();
    for (const j of order) {
      if (i < configs[j].runs) {
        if (common.onRun) common.onRun(items[j].name, i);
        runs[j].push(await measureRun(items[j].opts, configs[j], items[j].hooks));
      }
    }
  }
  return items.map((item, j) => aggregate(item.name, configs[j], runs[j]));
}

/** One configuration: runs back to back. */
export async function measure(name, opts, settings) {
  const [row] = await measureInterleaved([{ name, opts, settings }]);
  return row;
}

export const fmt = (n, digits = 0) => (typeof n === 'number' && Number.isFinite(n) ? n.toFixed(digits) : String(n));

/** "server main 4.1 + pool 15.2 + other 0.3, postgres 1.2, autocannon 0.4, other processes 0.2; machine 97% busy" */
export function cpuText(cpu) {
  const p = cpu.perRequestMs;
  return `server main ${fmt(p.serverMain, 1)} + threadpool ${fmt(p.serverThreadpool, 1)} + other threads ${fmt(p.serverOther, 1)}, postgres ${fmt(p.postgres, 1)}, autocannon ${fmt(p.runner, 1)}, other processes ${fmt(p.otherProcesses, 1)}; ${fmt(cpu.coresBusy, 2)} of the cores busy (steal ${fmt(cpu.share.steal * 100, 0)}%)`;
}

/** Markdown table of where the CPU went, per request, for rows measured with serverPid. */
export function cpuTable(rows, label) {
  const out = [
    `| ${label} | server main thread | server threadpool | server other threads | PostgreSQL (bench backends) | autocannon | other processes | cores busy | CPU-bound ceiling (req/s) |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    if (!r.cpu) continue;
    const p = r.cpu.perRequestMs;
    out.push(`| ${r.cpuLabel ?? r.name} | ${fmt(p.serverMain, 2)} | ${fmt(p.serverThreadpool, 2)} | ${fmt(p.serverOther, 2)} | ${fmt(p.postgres, 2)} | ${fmt(p.runner, 2)} | ${fmt(p.otherProcesses, 2)} | ${fmt(r.cpu.coresBusy, 2)} | ${fmt(ceiling(r), 1)} |`);
  }
  return out.join('\n');
}

/** Requests/s the machine's cores would allow if only this benchmark (server, PostgreSQL, autocannon) used them. */
export function ceiling(row, cores = availableParallelism()) {
  if (!row.cpu) return NaN;
  const p = row.cpu.perRequestMs;
  return (cores * 1000) / (p.serverMain + p.serverThreadpool + p.serverOther + p.postgres + p.runner);
}
