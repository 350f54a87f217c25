import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { appendEvidence } from './evidence.js';

const COMPILED_CLI = 'dist/apps/cli/src/main.js';

/** The CLI tests run the compiled command (as users do); `npm test` builds it first. Refuse a stale build. */
function assertFreshBuild(): void {
  let built: number;
  try {
    built = statSync(COMPILED_CLI).mtimeMs;
  } catch {
    throw new Error(`${COMPILED_CLI} is missing: run \`npm run build\` (npm test does it for you)`);
  }
  const stale = ['apps', 'libs', 'migrations'].flatMap((dir) => sourcesUnder(dir)).find((file) => statSync(file).mtimeMs > built);
  if (stale) throw new Error(`dist/ is older than ${stale}: run \`npm run build\` (npm test does it for you)`);
}

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

export interface CliRun {
  readonly child: ChildProcess;
  readonly output: { stdout: string; stderr: string };
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>;
}

/**
 * Runs the `opentrusty` command with exactly the environment given: nothing leaks in from the test
 * run. The metrics endpoint is off unless a test asks for it, so parallel servers never share a port.
 */
export function startCli(args: readonly string[], env: Record<string, string>): CliRun {
  assertFreshBuild();
  const child = spawn(
    process.execPath,
    ['bin/opentrusty.js', ...args],
    { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', OPENTRUSTY_METRICS_PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk: Buffer) => (output.stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output.stderr += chunk.toString('utf8')));
  // The JSON log lines of the process join the run's evidence for the secret scan.
  child.once('exit', () => appendEvidence(`cli-${process.pid}.ndjson`, output.stdout.split('\n').filter((line) => line.startsWith('{')).join('\n')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output, exited };
}

export async function runCli(args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = startCli(args, env);
  const code = await run.exited;
  return { code, ...run.output };
}

/**
 * A loopback port nothing listens on, for a server a test starts a little later. Chosen below the
 * kernel's ephemeral range (32768 and up on Linux), where outgoing connections take their local
 * ports: a port found free by binding to 0 could be taken by a database connection opened before
 * the server listens (EADDRINUSE).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
  throw new Error('no free port found between 20000 and 32000');
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Polls `url` until it answers `status` (or the deadline passes, which fails the test). */
export async function waitForStatus(url: string, status: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.status === status) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last: ${last})`);
}
