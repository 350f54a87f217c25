import { randomBytes } from 'node:crypto';
import type { AppConfig, DatabaseConfig } from '#platform/config/app-config.js';
import { loadConfig } from '#platform/config/config.loader.js';

/**
 * Limits every test counts against (so the limiter runs on every request) but that only the rate
 * limit tests, which set their own, ever reach: suites sign in many times from one address.
 */
export const GENEROUS_RATE_LIMITS: Readonly<Record<string, string>> = {
  OPENTRUSTY_RATE_LIMIT_SIGN_IN_PER_IP: '100000/1m',
  OPENTRUSTY_RATE_LIMIT_SIGN_IN_PER_ACCOUNT: '100000/1m',
  OPENTRUSTY_RATE_LIMIT_TOKEN_PER_CLIENT: '100000/1m',
  OPENTRUSTY_RATE_LIMIT_ADMIN_PER_CALLER: '100000/1m',
};

/** A complete configuration for tests, built through the real loader from an env-style map. */
export function testConfig(databaseUrl: string, env: Record<string, string> = {}): AppConfig {
  return loadConfig({
    OPENTRUSTY_DATABASE_URL: databaseUrl,
    OPENTRUSTY_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    OPENTRUSTY_LOG_LEVEL: 'silent',
    OPENTRUSTY_AUTH_PORT: '18080',
    OPENTRUSTY_ADMIN_PORT: '18081',
    ...GENEROUS_RATE_LIMITS,
    ...env,
  }).config;
}

export function testDatabaseConfig(): DatabaseConfig {
  return testConfig('postgresql://unused@127.0.0.1/unused').database;
}
