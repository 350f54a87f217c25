import type { RateLimitsConfig } from '../rate-limit/rate-limit-rule.js';

/** The validated, typed configuration every module receives. Built once by loadConfig(). */
export interface DatabaseConfig {
  /** undefined: the embedded PostgreSQL under dataDir is used. */
  readonly url: string | undefined;
  readonly ssl: 'disable' | 'require' | 'verify-full';
  readonly caFile: string | undefined;
  readonly poolMax: number;
  readonly connectTimeoutMs: number;
  readonly statementTimeoutMs: number;
}

export interface SessionConfig {
  readonly absoluteTtlSeconds: number;
  readonly idleTtlSeconds: number;
}

export interface LockoutConfig {
  /** Consecutive failed sign-ins that lock an account. */
  readonly threshold: number;
  readonly durationSeconds: number;
}

export interface PasswordHashConfig {
  readonly memoryKib: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

export interface SigningKeyConfig {
  /** A staged key is published this long before it signs anything. */
  readonly publicationDelaySeconds: number;
  /** A new key is staged automatically when the active one is this old. */
  readonly rotationIntervalDays: number;
  /** How long a process may reuse its copy of a tenant's key set. */
  readonly cacheSeconds: number;
}

export interface AppConfig {
  readonly database: DatabaseConfig;
  readonly dataDir: string;
  readonly publicUrl: string;
  readonly adminPublicUrl: string;
  readonly host: string;
  readonly authPort: number;
  readonly adminPort: number;
  /** 32 bytes; undefined only on the embedded database, which generates its own. */
  readonly keyEncryptionKey: Buffer | undefined;
  readonly trustProxy: boolean | number | string[];
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly migrateOnStart: boolean;
  readonly readyDatabaseTimeoutMs: number;
  readonly shutdownDelayMs: number;
  readonly shutdownTimeoutMs: number;
  readonly bodyLimitBytes: number;
  readonly session: SessionConfig;
  readonly lockout: LockoutConfig;
  readonly passwordHash: PasswordHashConfig;
  /** Origins allowed to call the admin API from a browser, with credentials. */
  readonly adminCorsOrigins: readonly string[];
  readonly idTokenTtlSeconds: number;
  readonly authorizationCodeTtlSeconds: number;
  /** How long a sign-in or consent page may stay open before the authorization must restart. */
  readonly interactionTtlSeconds: number;
  readonly signingKeys: SigningKeyConfig;
  /**
   * How long a process keeps its copy of an issuer's tenant and client (300 s by default; 0: none).
   * A copy is never trusted: every statement acting on it checks the rows' versions (SPEC §1).
   */
  readonly clientCacheSeconds: number;
  /** Audit events older than this are removed by the purge (never under 90 days). */
  readonly auditRetentionDays: number;
  /** How often `serve` runs the purge in-process; 0 turns the in-process purge off. */
  readonly purgeIntervalMinutes: number;
  /** Port of the Prometheus endpoint; 0 turns it off. */
  readonly metricsPort: number;
  readonly rateLimits: RateLimitsConfig;
}
