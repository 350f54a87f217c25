// Where the CPU goes during a measured window (Linux /proc): the server's main thread, its libuv
// threadpool (Argon2id runs there) and its other threads (V8 GC/compiler), the PostgreSQL
// backends serving the benchmark database, every other process on the machine (other postgres
// work, other users), this process (autocannon), and what stayed idle.
import { readdirSync, readFileSync } from 'node:fs';
import { withClient, ADMIN_URL } from './environment.mjs';

const TICK_MS = 10; // CLK_TCK = 100 on Linux x86-64

function readStat(path) {
  try {
    const text = readFileSync(path, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    // fields[0] is field 3 (state); utime is field 14, stime field 15
    return { comm, ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

function systemTicks() {
  const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const n = v.map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = n;
  return { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal: steal ?? 0 };
}

function threadsOf(pid) {
  const out = { main: 0, threadpool: 0, other: 0 };
  let tids = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    const s = readStat(`/proc/${pid}/task/${tid}/stat`);
    if (!s) continue;
    if (String(pid) === tid) out.main += s.ticks;
    else if (s.comm.startsWith('libuv-worker')) out.threadpool += s.ticks;
    else out.other += s.ticks;
  }
  return out;
}

async function backendPids(database) {
  return withClient(ADMIN_URL, async (c) => (await c.query('select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database])).rows.map((r) => r.pid));
}

/** Per-backend CPU ticks of the PostgreSQL processes serving `database` (pool connections come and go). */
async function backendTicks(database) {
  const ticks = new Map();
  if (!database) return ticks;
  for (const pid of await backendPids(database)) {
    const stat = readStat(`/proc/${pid}/stat`);
    if (stat) ticks.set(pid, stat.ticks);
  }
  return ticks;
}

export async function cpuSnapshot(serverPid, database) {
  const pg = await backendTicks(database);
  const self = process.cpuUsage();
  return { at: performance.now(), system: systemTicks(), server: threadsOf(serverPid), pg, selfMs: (self.user + self.system) / 1000 };
}

/** Ticks of backends alive at both ends, plus the whole life of backends that appeared in between. */
function pgTicks(a, b) {
  let n = 0;
  for (const [pid, ticks] of b.pg) n += ticks - (a.pg.get(pid) ?? 0);
  return n;
}

/** CPU milliseconds per request by component, and machine utilisation, between two snapshots. */
export function cpuDelta(a, b, requests) {
  const ms = (ticks) => ticks * TICK_MS;
  const wallMs = b.at - a.at;
  const serverMain = ms(b.server.main - a.server.main);
  const serverPool = ms(b.server.threadpool - a.server.threadpool);
  const serverOther = ms(b.server.other - a.server.other);
  const pg = ms(pgTicks(a, b));
  const runner = b.selfMs - a.selfMs;
  const busy = ms(b.system.busy - a.system.busy);
  const idle = ms(b.system.idle - a.system.idle);
  const steal = ms(b.system.steal - a.system.steal);
  const total = busy + idle + steal;
  const rest = Math.max(0, busy - serverMain - serverPool - serverOther - pg - runner);
  const per = (x) => x / Math.max(1, requests);
  return {
    perRequestMs: { serverMain: per(serverMain), serverThreadpool: per(serverPool), serverOther: per(serverOther), postgres: per(pg), runner: per(runner), otherProcesses: per(rest) },
    share: { busy: busy / total, idle: idle / total, steal: steal / total },
    coresBusy: busy / wallMs,
    wallMs,
  };
}
