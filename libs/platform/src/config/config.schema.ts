import { z } from 'zod';
import { parseRateLimitRule } from '../rate-limit/rate-limit-rule.js';

/**
 * The one schema for every OPENTRUSTY_* variable. Each entry documents itself through its
 * description; the README's configuration table is checked against this list (config.docs.spec.ts).
 */

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const DATABASE_SSL_MODES = ['disable', 'require', 'verify-full'] as const;

const booleanFlag = z
  .enum(['true', 'false', '1', '0'], { message: 'expected true or false' })
  .transform((value) => value === 'true' || value === '1');

const integerIn = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: `expected a whole number from ${min} to ${max}` })
    .transform(Number)
    .pipe(z.number().int().min(min, { message: `expected at least ${min}` }).max(max, { message: `expected at most ${max}` }));

const port = integerIn(1, 65535);

const httpUrl = z
  .url({ protocol: /^https?$/, message: 'expected an absolute http(s) URL' })
  .refine((value) => !/[?#]/.test(value), { message: 'must not contain a query or fragment' })
  .transform((value) => value.replace(/\/+$/, ''));

const postgresUrl = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
    } catch {
      return false;
    }
  },
  { message: 'expected a postgres:// or postgresql:// URL with a host' },
);

const keyEncryptionKey = z.string().refine((value) => /^[A-Za-z0-9+/]{43}=$/.test(value) && Buffer.from(value, 'base64').length === 32, {
  message: 'expected the base64 encoding of exactly 32 random bytes (openssl rand -base64 32)',
});

/**
 * `false` (default): the client address is the TCP peer. A whole number n: trust n proxy hops.
 * Otherwise a comma-separated list of addresses, CIDR ranges or Express presets
 * (loopback, linklocal, uniquelocal) whose X-Forwarded-For is believed.
 */
const trustProxy = z
  .string()
  .regex(/^(false|true|\d{1,2}|[0-9A-Za-z.:/, ]+)$/, { message: 'expected false, true, a hop count or a list of addresses/CIDRs' })
  .transform((value): boolean | number | string[] => {
    if (value === 'false') return false;
    if (value === 'true') return true;
    if (/^\d+$/.test(value)) return Number(value);
    return value.split(',').map((part) => part.trim()).filter(Boolean);
  });

/** Comma-separated exact origins (scheme://host[:port]); `*` is never accepted. */
const originList = z
  .string()
  .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
  .pipe(
    z.array(
      z.string().regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$|^https?:\/\/\[[0-9a-fA-F:]+\](:\d{1,5})?$/, {
        message: 'expected comma-separated origins such as https://console.example.com (no paths, no wildcards)',
      }),
    ),
  );

/** `N/<period>` such as `60/1m` (periods in s, m or h, up to a day), or `off`. */
const rateLimitRule = z.string().transform((value, context) => {
  const rule = parseRateLimitRule(value.trim());
  if (rule === undefined) {
    context.addIssue({ code: 'custom', message: 'expected N/period such as 60/1m, 10/30s or 1000/1h, or off' });
    return z.NEVER;
  }
  return rule;
});

export const CONFIG_SCHEMA = z.object({
  OPENTRUSTY_DATABASE_URL: postgresUrl.optional(),
  OPENTRUSTY_DATABASE_SSL: z.enum(DATABASE_SSL_MODES).default('disable'),
  OPENTRUSTY_DATABASE_CA_FILE: z.string().min(1).optional(),
  OPENTRUSTY_DATABASE_POOL_MAX: integerIn(1, 500).default(10),
  OPENTRUSTY_DATABASE_CONNECT_TIMEOUT_MS: integerIn(100, 60_000).default(2_000),
  OPENTRUSTY_DATABASE_STATEMENT_TIMEOUT_MS: integerIn(100, 600_000).default(15_000),
  OPENTRUSTY_DATA_DIR: z.string().min(1).default('.opentrusty'),
  OPENTRUSTY_PUBLIC_URL: httpUrl.default('http://localhost:8080'),
  OPENTRUSTY_ADMIN_PUBLIC_URL: httpUrl.default('http://localhost:8081'),
  OPENTRUSTY_HOST: z.string().min(1).default('0.0.0.0'),
  OPENTRUSTY_AUTH_PORT: port.default(8080),
  OPENTRUSTY_ADMIN_PORT: port.default(8081),
  OPENTRUSTY_KEY_ENCRYPTION_KEY: keyEncryptionKey.optional(),
  OPENTRUSTY_TRUST_PROXY: trustProxy.default(false),
  OPENTRUSTY_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  OPENTRUSTY_MIGRATE_ON_START: booleanFlag.default(true),
  OPENTRUSTY_READY_DATABASE_TIMEOUT_MS: integerIn(50, 10_000).default(500),
  OPENTRUSTY_SHUTDOWN_DELAY_MS: integerIn(0, 120_000).default(0),
  OPENTRUSTY_SHUTDOWN_TIMEOUT_MS: integerIn(1_000, 600_000).default(25_000),
  OPENTRUSTY_BODY_LIMIT_BYTES: integerIn(1_024, 10_485_760).default(102_400),
  OPENTRUSTY_SESSION_ABSOLUTE_TTL_SECONDS: integerIn(300, 30 * 86_400).default(86_400),
  OPENTRUSTY_SESSION_IDLE_TTL_SECONDS: integerIn(60, 30 * 86_400).default(1_800),
  OPENTRUSTY_LOCKOUT_THRESHOLD: integerIn(1, 100).default(5),
  OPENTRUSTY_LOCKOUT_DURATION_SECONDS: integerIn(1, 86_400).default(900),
  OPENTRUSTY_ARGON2_MEMORY_KIB: integerIn(1_024, 4_194_304).default(19_456),
  OPENTRUSTY_ARGON2_TIME_COST: integerIn(1, 100).default(2),
  OPENTRUSTY_ARGON2_PARALLELISM: integerIn(1, 16).default(1),
  OPENTRUSTY_ADMIN_CORS_ORIGINS: originList.default([]),
  OPENTRUSTY_ID_TOKEN_TTL_SECONDS: integerIn(60, 86_400).default(600),
  OPENTRUSTY_AUTHORIZATION_CODE_TTL_SECONDS: integerIn(10, 600).default(300),
  OPENTRUSTY_INTERACTION_TTL_SECONDS: integerIn(60, 3_600).default(900),
  OPENTRUSTY_KEY_PUBLICATION_DELAY_SECONDS: integerIn(0, 30 * 86_400).default(86_400),
  OPENTRUSTY_KEY_ROTATION_INTERVAL_DAYS: integerIn(1, 3_650).default(90),
  OPENTRUSTY_KEY_CACHE_SECONDS: integerIn(0, 3_600).default(10),
  OPENTRUSTY_CLIENT_CACHE_SECONDS: integerIn(0, 3_600).default(300),
  OPENTRUSTY_AUDIT_RETENTION_DAYS: integerIn(90, 36_500).default(400),
  OPENTRUSTY_PURGE_INTERVAL_MINUTES: integerIn(0, 1_440).default(60),
  OPENTRUSTY_METRICS_PORT: integerIn(0, 65535).default(9464),
  OPENTRUSTY_RATE_LIMIT_SIGN_IN_PER_IP: rateLimitRule.default({ limit: 60, periodSeconds: 60 }),
  OPENTRUSTY_RATE_LIMIT_SIGN_IN_PER_ACCOUNT: rateLimitRule.default({ limit: 10, periodSeconds: 60 }),
  OPENTRUSTY_RATE_LIMIT_TOKEN_PER_CLIENT: rateLimitRule.default({ limit: 6_000, periodSeconds: 60 }),
  OPENTRUSTY_RATE_LIMIT_ADMIN_PER_CALLER: rateLimitRule.default({ limit: 1_200, periodSeconds: 60 }),
});

/** Variables whose values must never be echoed back in an error message or a log line. */
export const SECRET_VARIABLES: ReadonlySet<string> = new Set(['OPENTRUSTY_DATABASE_URL', 'OPENTRUSTY_KEY_ENCRYPTION_KEY']);

export type RawConfig = z.output<typeof CONFIG_SCHEMA>;
