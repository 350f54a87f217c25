import pg from 'pg';

/** Drops every database this run created, then stops the embedded cluster if one was started. */
export default async function globalTeardown() {
  const server = process.env.OPENTRUSTY_TEST_SERVER_URL;
  const runId = process.env.OPENTRUSTY_TEST_RUN_ID;
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
