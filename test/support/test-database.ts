import { databaseUrl, dropDatabase, serverUrl, TEMPLATE_VARIABLE, uniqueDatabaseName, withServerClient } from './database-server.js';
import { appendEvidence } from './evidence.js';

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/** A database of its own for one test file, cloned from the migrated template. */
export async function createMigratedDatabase(): Promise<TestDatabase> {
  const template = process.env[TEMPLATE_VARIABLE];
  if (!template) throw new Error(`${TEMPLATE_VARIABLE} is not set: run the tests through \`npm test\``);
  return createDatabase(`template "${template}"`);
}

/** An empty database (no tables, no migrations applied). */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  return createDatabase('');
}

async function createDatabase(clause: string): Promise<TestDatabase> {
  const server = serverUrl();
  const name = uniqueDatabaseName('ot_test');
  await withServerClient(server, (client) => client.query(`create database "${name}" ${clause}`));
  const url = databaseUrl(server, name);
  return {
    name,
    url,
    drop: async () => {
      await keepAuditEvidence(url, name);
      await dropDatabase(server, name);
    },
  };
}

/** The database's audit rows, written to the run's evidence for the secret scan before the database goes. */
async function keepAuditEvidence(url: string, name: string): Promise<void> {
  await withServerClient(url, async (client) => {
    const exists = await client.query(`select to_regclass('audit_events') is not null as present`);
    if (!exists.rows[0]?.present) return;
    const { rows } = await client.query<{ line: string }>('select row_to_json(a)::text as line from audit_events a');
    appendEvidence(`audit-${name}.ndjson`, rows.map((row) => row.line).join('\n'));
  }).catch(() => undefined);
}
