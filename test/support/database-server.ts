import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Where the tests' PostgreSQL server is: OPENTRUSTY_TEST_DATABASE_URL when set (any database on
 * that server; tests create their own databases beside it), else the embedded cluster that the
 * global setup started. Both are passed to the test workers through these variables.
 */
export const SERVER_URL_VARIABLE = 'OPENTRUSTY_TEST_SERVER_URL';
export const TEMPLATE_VARIABLE = 'OPENTRUSTY_TEST_TEMPLATE_DATABASE';
export const RUN_ID_VARIABLE = 'OPENTRUSTY_TEST_RUN_ID';

export function serverUrl(): string {
  const url = process.env[SERVER_URL_VARIABLE];
  if (!url) throw new Error(`${SERVER_URL_VARIABLE} is not set: run the tests through \`npm test\``);
  return url;
}

/** The same server URL pointing at another database. */
export function databaseUrl(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function withServerClient<T>(base: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export function uniqueDatabaseName(prefix: string): string {
  const runId = process.env[RUN_ID_VARIABLE] ?? 'adhoc';
  return `${prefix}_${runId}_${randomBytes(4).toString('hex')}`;
}

export async function dropDatabase(base: string, name: string): Promise<void> {
  await withServerClient(base, (client) => client.query(`drop database if exists "${name}" with (force)`));
}
