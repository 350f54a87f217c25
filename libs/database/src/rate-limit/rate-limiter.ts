import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { AppConfig } from '#platform/config/app-config.js';
import { APP_CONFIG } from '#platform/config/config.tokens.js';
import { Metrics } from '#platform/metrics/metrics.js';
import { RateLimitedError, type RateLimitName, type RateLimitRule } from '#platform/rate-limit/rate-limit-rule.js';
import { Clock } from '#platform/time/clock.js';
import { Sql } from '../sql.js';

/**
 * GCRA in one statement: the bucket's theoretical arrival time (tat) moves one emission interval
 * forward per admitted request, and a request is admitted while that keeps tat within one period
 * of now. Refused requests change nothing, so a caller who keeps hammering is let through again
 * as soon as the rate allows. The row lock of the upsert makes it exact across replicas.
 *
 * The statement commits asynchronously (`synchronous_commit` off for its own transaction only):
 * a busy client's bucket is one row that every request updates in turn, and waiting for each
 * commit's WAL flush while holding its lock would serialise them on the disk. A crash of
 * PostgreSQL can forget the last fraction of a second of counts; it can never lose or corrupt
 * anything else, since every other statement still commits synchronously.
 * Parameters: $1 bucket, $2 now, $3 emission interval (ms), $4 period (ms).
 */
const HIT = `with relaxed as (select set_config('synchronous_commit', 'off', true) as setting),
  previous as (select tat from rate_limit_buckets where bucket = $1),
  granted as (
    insert into rate_limit_buckets as b (bucket, tat) values ($1, $2::timestamptz + $3::float8 * interval '1 millisecond')
    on conflict (bucket) do update set tat = greatest(b.tat, $2::timestamptz) + $3::float8 * interval '1 millisecond'
     where greatest(b.tat, $2::timestamptz) + $3::float8 * interval '1 millisecond' <= $2::timestamptz + $4::float8 * interval '1 millisecond'
    returning 1
  )
  select exists (select 1 from granted) as granted, (select (extract(epoch from tat) * 1000)::float8 from previous) as previous_tat_ms,
         (select setting from relaxed) as commit_mode`;

interface HitRow {
  granted: boolean;
  /** Epoch milliseconds (the pool returns timestamps as text). */
  previous_tat_ms: number | string | null;
}

/**
 * The rate limits of SPEC §8, counted in PostgreSQL so that every replica shares them. Subjects
 * (addresses, accounts, client and caller ids) are stored only as hashes.
 */
@Injectable()
export class RateLimiter {
  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Counts one request of `subject` against the named limit; throws RateLimitedError when it is over. */
  async hit(name: RateLimitName, subject: string): Promise<void> {
    const rule = this.config.rateLimits[name];
    if (!rule) return;
    const waitSeconds = await this.tryHit(bucketOf(name, subject), rule);
    if (waitSeconds > 0) {
      this.metrics.rateLimited.inc({ limit: name });
      throw new RateLimitedError(name, waitSeconds);
    }
  }

  /** Several limits at once (e.g. per address and per account): every one counts, the longest wait wins. */
  async hitAll(hits: readonly (readonly [RateLimitName, string])[]): Promise<void> {
    const outcomes = await Promise.allSettled(hits.map(([name, subject]) => this.hit(name, subject)));
    const refusals = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
    const other = refusals.find((reason) => !(reason instanceof RateLimitedError));
    if (other) throw other;
    const longest = (refusals as RateLimitedError[]).sort((a, b) => b.retryAfterSeconds - a.retryAfterSeconds)[0];
    if (longest) throw longest;
  }

  /** 0 when admitted, otherwise the whole seconds until the next request would be. */
  private async tryHit(bucket: string, rule: RateLimitRule): Promise<number> {
    const now = this.clock.now();
    const periodMs = rule.periodSeconds * 1000;
    const emissionMs = periodMs / rule.limit;
    const [row] = await this.sql.rows<HitRow>(HIT, [bucket, now, emissionMs, periodMs]);
    if (row!.granted) return 0;
    const previousTat = row!.previous_tat_ms === null ? now.getTime() : Number(row!.previous_tat_ms);
    const admittedAt = previousTat + emissionMs - periodMs;
    return Math.max(1, Math.ceil((admittedAt - now.getTime()) / 1000));
  }
}

function bucketOf(name: RateLimitName, subject: string): string {
  return `${name}:${createHash('sha256').update(subject).digest('base64url')}`;
}
