import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { DatabaseConfig } from '#platform/config/app-config.js';

/** TLS settings for the `pg` driver from OPENTRUSTY_DATABASE_SSL (libpq's sslmode, in spirit). */
export function tlsOptionsFor(config: DatabaseConfig): false | ConnectionOptions {
  switch (config.ssl) {
    case 'disable':
      return false;
    case 'require':
      // Encrypted but unverified, like libpq's sslmode=require.
      return { rejectUnauthorized: false };
    case 'verify-full':
      return { rejectUnauthorized: true, ...(config.caFile ? { ca: readFileSync(config.caFile, 'utf8') } : {}) };
  }
}

/** Options shared by the ORM's pool and the dedicated connections (migration lock). */
export function pgClientOptions(url: string, config: DatabaseConfig, applicationName: string) {
  return {
    connectionString: url,
    ssl: tlsOptionsFor(config),
    connectionTimeoutMillis: config.connectTimeoutMs,
    statement_timeout: config.statementTimeoutMs,
    application_name: applicationName,
  };
}
