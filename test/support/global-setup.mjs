import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';

/**
 * Once per `npm test`: find the PostgreSQL server (OPENTRUSTY_TEST_DATABASE_URL, or an embedded
 * cluster under .opentrusty/test) and build a migrated template database that each test file
 * clones in milliseconds (CREATE DATABASE ... TEMPLATE). The work runs in test-server.ts from
 * the TypeScript sources; this file only starts it and hands its answer to the test workers.
 */
export default async function globalSetup() {
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const external = process.env.OPENTRUSTY_TEST_DATABASE_URL ?? '';
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', '@swc-node/register/esm-register', 'test/support/test-server.ts', runId, external],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } },
  );
  const answer = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve(JSON.parse(line)));
    child.once('exit', (code) => reject(new Error(`test database preparation failed (exit ${code})`)));
  });
  process.env.OPENTRUSTY_TEST_RUN_ID = runId;
  process.env.OPENTRUSTY_TEST_SERVER_URL = answer.serverUrl;
  process.env.OPENTRUSTY_TEST_TEMPLATE_DATABASE = answer.template;
  globalThis.opentrustyTestServer = external ? undefined : child;
}
