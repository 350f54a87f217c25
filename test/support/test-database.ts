import { databaseUrl, dropDatabase, serverUrl, TEMPLATE_VARIABLE, uniqueDatabaseName, withServerClient } from './database-server.js';

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
  return { name, url: databaseUrl(server, name), drop: () => dropDatabase(server, name) };
}
