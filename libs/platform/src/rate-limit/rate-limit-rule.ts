import { DomainError } from '../errors/domain-error.js';

/**
 * "At most `limit` requests per `periodSeconds`", enforced smoothly: a burst of `limit` is
 * allowed, after which requests are admitted at `limit / periodSeconds` per second.
 */
export interface RateLimitRule {
  readonly limit: number;
  readonly periodSeconds: number;
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3_600 };

/** Parses `30/1m`, `6000/1m`, `5/10s` or `off` (null: no limit). Undefined for anything else. */
export function parseRateLimitRule(text: string): RateLimitRule | null | undefined {
  if (text === 'off') return null;
  const match = /^(\d{1,9})\/(\d{1,5})([smh])$/.exec(text);
  if (!match) return undefined;
  const limit = Number(match[1]);
  const periodSeconds = Number(match[2]) * UNIT_SECONDS[match[3]!]!;
  return limit >= 1 && periodSeconds >= 1 && periodSeconds <= 86_400 ? { limit, periodSeconds } : undefined;
}

/** The limits of SPEC §8, each keyed by who or what it counts. Null turns one off. */
export interface RateLimitsConfig {
  readonly signInPerIp: RateLimitRule | null;
  readonly signInPerAccount: RateLimitRule | null;
  readonly tokenPerClient: RateLimitRule | null;
  readonly adminPerCaller: RateLimitRule | null;
}

export type RateLimitName = keyof RateLimitsConfig;

/** A request over one of the limits: 429 with Retry-After, on both planes. */
export class RateLimitedError extends DomainError {
  constructor(
    readonly limitName: RateLimitName,
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited', 'rate_limited', `Too many requests; try again in ${retryAfterSeconds} seconds.`, { retry_after: retryAfterSeconds }, { 'Retry-After': String(retryAfterSeconds) });
  }
}
