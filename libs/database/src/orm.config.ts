import { defineConfig } from '@mikro-orm/postgresql';
import { ReflectMetadataProvider } from '@mikro-orm/decorators/legacy';
import { Migrator } from '@mikro-orm/migrations';
import type { DatabaseConfig } from '#platform/config/app-config.js';
import { MIGRATIONS } from '#migrations/index.js';
import { ALL_ENTITIES } from './entities.js';
import { tlsOptionsFor } from './pg-connection-options.js';
import { projectRoot } from './project-root.js';

export const MIGRATIONS_TABLE = 'mikro_orm_migrations';

/**
 * The MikroORM configuration, built from validated config only. Migrations come from an explicit
 * list (migrations/index.ts) so the same code runs from sources (tests, CLI) and from dist/.
 */
export function buildOrmConfig(url: string, database: DatabaseConfig) {
  const root = projectRoot();
  const ssl = tlsOptionsFor(database);
  return defineConfig({
    clientUrl: url,
    entities: ALL_ENTITIES,
    metadataProvider: ReflectMetadataProvider,
    discovery: { warnWhenNoEntities: false },
    colors: false,
    debug: false,
    ensureDatabase: false,
    allowGlobalContext: false,
    // Load a user's credential only when asked (populate); joining it into every user query
    // made deep pages of the users list read the whole credentials index.
    autoJoinOneToOneOwner: false,
    pool: { min: 0, max: database.poolMax, idleTimeoutMillis: 30_000 },
    driverOptions: {
      ssl,
      connectionTimeoutMillis: database.connectTimeoutMs,
      statement_timeout: database.statementTimeoutMs,
      application_name: 'opentrusty',
    },
    // Hand-written SQL functions (ot_rate_limit_take, kept one release) live in migrations, not in entity metadata.
    schemaGenerator: { ignoreRoutines: true },
    extensions: [Migrator],
    migrations: {
      tableName: MIGRATIONS_TABLE,
      migrationsList: MIGRATIONS,
      path: `${root}/dist/migrations`,
      pathTs: `${root}/migrations`,
      emit: 'ts',
      transactional: true,
      allOrNothing: true,
      // New migrations are diffed against a migrated development database (docs/development.md);
      // the schema-drift test compares the migrated schema with the entities on every run.
      snapshot: false,
      silent: true,
    },
  });
}
