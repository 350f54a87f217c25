import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface OrphanReport {
  readonly pid: number;
  readonly port: string | undefined;
}

/**
 * After the previous OpenTrusty process was killed with SIGKILL, its embedded postgres keeps
 * running (re-parented to PID 1) and holds the data directory, so a new start would fail with
 * "lock file postmaster.pid already exists". This finds such an orphan from postmaster.pid and
 * stops it cleanly. A stale file whose process is gone needs nothing: postgres replaces it.
 */
export async function stopOrphanedPostmaster(pgDataDir: string, pgCtl: string, runAsUser: string | undefined): Promise<OrphanReport | undefined> {
  const pidFile = `${pgDataDir}/postmaster.pid`;
  if (!existsSync(pidFile)) return undefined;
  const [pidLine, dataDirLine, , portLine] = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  if (!Number.isInteger(pid) || pid <= 0 || !isLiveProcess(pid)) return undefined;
  // The PID may have been reused by an unrelated process: only touch a postgres serving this directory.
  if (!commandLineOf(pid).includes(dataDirLine ?? pgDataDir)) return undefined;

  const args = ['-D', pgDataDir, 'stop', '-m', 'fast', '-w', '-t', '30'];
  try {
    if (runAsUser) await run('runuser', ['-u', runAsUser, '--', pgCtl, ...args]);
    else await run(pgCtl, args);
  } catch {
    process.kill(pid, 'SIGINT');
    await waitUntilGone(pid, 30_000);
  }
  return { pid, port: portLine?.trim() };
}

function isLiveProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(pid, 0) but holds nothing.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

async function waitUntilGone(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isLiveProcess(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
}
