/**
 * Configuration for the MikroORM CLI (`npm run migration:create`), used by developers only.
 * It reads the same OPENTRUSTY_* variables as the server, through the same schema.
 */
import { loadConfig } from '#platform/config/config.loader.js';
import { buildOrmConfig } from './orm.config.js';

const { config } = loadConfig(process.env);
if (!config.database.url) {
  throw new Error('Set OPENTRUSTY_DATABASE_URL to a migrated development database before running the MikroORM CLI.');
}

export default buildOrmConfig(config.database.url, config.database);
