import type { z } from 'zod';
import type { AppConfig } from './app-config.js';
import { CONFIG_SCHEMA, SECRET_VARIABLES } from './config.schema.js';

/** Thrown when the environment does not describe a valid configuration; the message names each variable. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  readonly config: AppConfig;
  /** OPENTRUSTY_* variables that no setting reads: most likely typos, worth a warning. */
  readonly unknownVariables: readonly string[];
}

/** Parses and validates the environment once. Empty strings count as unset. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): LoadedConfig {
  const known = Object.keys(CONFIG_SCHEMA.shape);
  const input: Record<string, string> = {};
  for (const name of known) {
    const value = env[name];
    if (value !== undefined && value !== '') input[name] = value;
  }
  const parsed = CONFIG_SCHEMA.safeParse(input);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, input));
  const raw = parsed.data;

  const problems: string[] = [];
  if (raw.OPENTRUSTY_DATABASE_URL && !raw.OPENTRUSTY_KEY_ENCRYPTION_KEY) {
    problems.push('OPENTRUSTY_KEY_ENCRYPTION_KEY: required when OPENTRUSTY_DATABASE_URL is set (openssl rand -base64 32)');
  }
  if (raw.OPENTRUSTY_AUTH_PORT === raw.OPENTRUSTY_ADMIN_PORT) {
    problems.push('OPENTRUSTY_ADMIN_PORT: must differ from OPENTRUSTY_AUTH_PORT');
  }
  if (raw.OPENTRUSTY_METRICS_PORT !== 0 && [raw.OPENTRUSTY_AUTH_PORT, raw.OPENTRUSTY_ADMIN_PORT].includes(raw.OPENTRUSTY_METRICS_PORT)) {
    problems.push('OPENTRUSTY_METRICS_PORT: must differ from the plane ports');
  }
  if (raw.OPENTRUSTY_DATABASE_CA_FILE && raw.OPENTRUSTY_DATABASE_SSL !== 'verify-full') {
    problems.push('OPENTRUSTY_DATABASE_CA_FILE: only used with OPENTRUSTY_DATABASE_SSL=verify-full');
  }
  for (const [name, url] of [
    ['OPENTRUSTY_PUBLIC_URL', raw.OPENTRUSTY_PUBLIC_URL],
    ['OPENTRUSTY_ADMIN_PUBLIC_URL', raw.OPENTRUSTY_ADMIN_PUBLIC_URL],
  ] as const) {
    if (url.startsWith('http://') && !isLoopbackUrl(url)) {
      problems.push(`${name}: must be https unless the host is localhost, 127.0.0.1 or [::1] (got ${JSON.stringify(url)})`);
    }
  }
  if (raw.OPENTRUSTY_SESSION_IDLE_TTL_SECONDS > raw.OPENTRUSTY_SESSION_ABSOLUTE_TTL_SECONDS) {
    problems.push('OPENTRUSTY_SESSION_IDLE_TTL_SECONDS: must not exceed OPENTRUSTY_SESSION_ABSOLUTE_TTL_SECONDS');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const unknownVariables = Object.keys(env)
    .filter((name) => name.startsWith('OPENTRUSTY_') && !known.includes(name) && !name.startsWith('OPENTRUSTY_TEST_'))
    .sort();

  return {
    unknownVariables,
    config: {
      database: {
        url: raw.OPENTRUSTY_DATABASE_URL,
        ssl: raw.OPENTRUSTY_DATABASE_SSL,
        caFile: raw.OPENTRUSTY_DATABASE_CA_FILE,
        poolMax: raw.OPENTRUSTY_DATABASE_POOL_MAX,
        connectTimeoutMs: raw.OPENTRUSTY_DATABASE_CONNECT_TIMEOUT_MS,
        statementTimeoutMs: raw.OPENTRUSTY_DATABASE_STATEMENT_TIMEOUT_MS,
      },
      dataDir: raw.OPENTRUSTY_DATA_DIR,
      publicUrl: raw.OPENTRUSTY_PUBLIC_URL,
      adminPublicUrl: raw.OPENTRUSTY_ADMIN_PUBLIC_URL,
      host: raw.OPENTRUSTY_HOST,
      authPort: raw.OPENTRUSTY_AUTH_PORT,
      adminPort: raw.OPENTRUSTY_ADMIN_PORT,
      keyEncryptionKey: raw.OPENTRUSTY_KEY_ENCRYPTION_KEY ? Buffer.from(raw.OPENTRUSTY_KEY_ENCRYPTION_KEY, 'base64') : undefined,
      trustProxy: raw.OPENTRUSTY_TRUST_PROXY,
      logLevel: raw.OPENTRUSTY_LOG_LEVEL,
      migrateOnStart: raw.OPENTRUSTY_MIGRATE_ON_START,
      readyDatabaseTimeoutMs: raw.OPENTRUSTY_READY_DATABASE_TIMEOUT_MS,
      shutdownDelayMs: raw.OPENTRUSTY_SHUTDOWN_DELAY_MS,
      shutdownTimeoutMs: raw.OPENTRUSTY_SHUTDOWN_TIMEOUT_MS,
      bodyLimitBytes: raw.OPENTRUSTY_BODY_LIMIT_BYTES,
      session: { absoluteTtlSeconds: raw.OPENTRUSTY_SESSION_ABSOLUTE_TTL_SECONDS, idleTtlSeconds: raw.OPENTRUSTY_SESSION_IDLE_TTL_SECONDS },
      lockout: { threshold: raw.OPENTRUSTY_LOCKOUT_THRESHOLD, durationSeconds: raw.OPENTRUSTY_LOCKOUT_DURATION_SECONDS },
      passwordHash: { memoryKib: raw.OPENTRUSTY_ARGON2_MEMORY_KIB, timeCost: raw.OPENTRUSTY_ARGON2_TIME_COST, parallelism: raw.OPENTRUSTY_ARGON2_PARALLELISM },
      adminCorsOrigins: raw.OPENTRUSTY_ADMIN_CORS_ORIGINS,
      idTokenTtlSeconds: raw.OPENTRUSTY_ID_TOKEN_TTL_SECONDS,
      authorizationCodeTtlSeconds: raw.OPENTRUSTY_AUTHORIZATION_CODE_TTL_SECONDS,
      interactionTtlSeconds: raw.OPENTRUSTY_INTERACTION_TTL_SECONDS,
      signingKeys: {
        publicationDelaySeconds: raw.OPENTRUSTY_KEY_PUBLICATION_DELAY_SECONDS,
        rotationIntervalDays: raw.OPENTRUSTY_KEY_ROTATION_INTERVAL_DAYS,
        cacheSeconds: raw.OPENTRUSTY_KEY_CACHE_SECONDS,
      },
      clientCacheSeconds: raw.OPENTRUSTY_CLIENT_CACHE_SECONDS,
      auditRetentionDays: raw.OPENTRUSTY_AUDIT_RETENTION_DAYS,
      purgeIntervalMinutes: raw.OPENTRUSTY_PURGE_INTERVAL_MINUTES,
      metricsPort: raw.OPENTRUSTY_METRICS_PORT,
      rateLimits: {
        signInPerIp: raw.OPENTRUSTY_RATE_LIMIT_SIGN_IN_PER_IP,
        signInPerAccount: raw.OPENTRUSTY_RATE_LIMIT_SIGN_IN_PER_ACCOUNT,
        tokenPerClient: raw.OPENTRUSTY_RATE_LIMIT_TOKEN_PER_CLIENT,
        adminPerCaller: raw.OPENTRUSTY_RATE_LIMIT_ADMIN_PER_CALLER,
      },
    },
  };
}

function describeIssues(error: z.ZodError, input: Record<string, string>): string[] {
  return error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(environment)');
    const value = input[name];
    const shown = value === undefined || SECRET_VARIABLES.has(name) ? '' : ` (got ${JSON.stringify(truncate(value))})`;
    return `${name}: ${issue.message}${shown}`;
  });
}

function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}

/** True for http(s) URLs on the loopback host names development uses. */
export function isLoopbackUrl(value: string): boolean {
  const { hostname } = new URL(value);
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}
