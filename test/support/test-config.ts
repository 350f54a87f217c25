import { randomBytes } from 'node:crypto';
import type { AppConfig, DatabaseConfig } from '#platform/config/app-config.js';
import { loadConfig } from '#platform/config/config.loader.js';

/** A complete configuration for tests, built through the real loader from an env-style map. */
export function testConfig(databaseUrl: string, env: Record<string, string> = {}): AppConfig {
  return loadConfig({
    OPENTRUSTY_DATABASE_URL: databaseUrl,
    OPENTRUSTY_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    OPENTRUSTY_LOG_LEVEL: 'silent',
    OPENTRUSTY_AUTH_PORT: '18080',
    OPENTRUSTY_ADMIN_PORT: '18081',
    ...env,
  }).config;
}

export function testDatabaseConfig(): DatabaseConfig {
  return testConfig('postgresql://unused@127.0.0.1/unused').database;
}
