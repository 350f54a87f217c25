import pg from 'pg';
import { join } from 'node:path';
import { removeEvidence, scanEvidence } from './secret-scan.mjs';

/**
 * Drops every database this run created, stops the embedded cluster if one was started, then
 * scans every log line and audit row the run wrote for secrets: one found fails the run.
 */
export default async function globalTeardown() {
  const server = process.env.OPENTRUSTY_TEST_SERVER_URL;
  const runId = process.env.OPENTRUSTY_TEST_RUN_ID;
  try {
    await cleanUp(server, runId);
  } finally {
    const dir = join('.opentrusty', 'test-evidence', runId ?? 'adhoc');
    const { scanned, leaks } = scanEvidence(dir);
    if (leaks.length > 0) throw new Error(`secrets written to logs or audit rows (${leaks.length}):\n${leaks.slice(0, 20).join('\n')}\n(evidence kept in ${dir})`);
    removeEvidence(dir);
    process.stdout.write(`secret scan: ${scanned} log lines and audit rows, no secret found\n`);
  }
}

async function cleanUp(server, runId) {
  if (server && runId) {
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    try {
      const { rows } = await client.query(`select datname from pg_database where datname like $1 order by datname like 'ot\\_template%'`, [`ot\\_%\\_${runId}\\_%`]);
      for (const { datname } of rows) await client.query(`drop database if exists "${datname}" with (force)`);
    } finally {
      await client.end();
    }
  }
  const child = globalThis.opentrustyTestServer;
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}
