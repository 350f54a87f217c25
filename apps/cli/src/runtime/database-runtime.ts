import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { startEmbeddedDatabase } from '#database/embedded/embedded-database.js';
import { createOrm } from '#database/orm.factory.js';
import type { AppConfig } from '#platform/config/app-config.js';
import { isDatabaseUnavailable } from '#platform/errors/database-unavailable.js';
import { CliError } from '../cli-error.js';

export interface DatabaseRuntime {
  readonly url: string;
  readonly orm: MikroORM;
  /** The configured key, or the one generated into the data folder for the embedded database. */
  readonly keyEncryptionKey: Buffer;
  readonly embedded: boolean;
  close(): Promise<void>;
}

const STARTUP_RETRY_MS = 1_000;
const STARTUP_PATIENCE_MS = 30_000;

/**
 * Opens the database the configuration names, or starts the embedded one when none is named,
 * and connects the ORM. A database that is still starting (a common race in Kubernetes and
 * docker-compose) is retried for 30 s before giving up with a clear message.
 */
export async function openDatabase(config: AppConfig, logger: Logger): Promise<DatabaseRuntime> {
  const embedded = config.database.url ? undefined : await startEmbedded(config, logger);
  const url = config.database.url ?? embedded!.url;
  try {
    const orm = await connectWithPatience(url, config, logger);
    return {
      url,
      orm,
      keyEncryptionKey: (config.keyEncryptionKey ?? embedded?.keyEncryptionKey)!,
      embedded: embedded !== undefined,
      async close() {
        await orm.close(true);
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

/** The development database; container images leave its binaries out, which deserves a plain answer. */
async function startEmbedded(config: AppConfig, logger: Logger) {
  try {
    return await startEmbeddedDatabase(config.dataDir, logger);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new CliError('OPENTRUSTY_DATABASE_URL is not set, and this installation has no embedded PostgreSQL (container images leave it out): set OPENTRUSTY_DATABASE_URL', 2);
  }
}

async function connectWithPatience(url: string, config: AppConfig, logger: Logger): Promise<MikroORM> {
  const deadline = Date.now() + STARTUP_PATIENCE_MS;
  for (;;) {
    try {
      const orm = await createOrm(url, config.database);
      await orm.em.getConnection().execute('select 1');
      return orm;
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() >= deadline) throw error;
      logger.warn({ reason: (error as Error).message }, 'database not reachable yet; retrying');
      await new Promise((resolve) => setTimeout(resolve, STARTUP_RETRY_MS));
    }
  }
}
