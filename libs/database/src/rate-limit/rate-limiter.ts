import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { AppConfig } from '#platform/config/app-config.js';
import { APP_CONFIG } from '#platform/config/config.tokens.js';
import { Metrics } from '#platform/metrics/metrics.js';
import { RateLimitedError, type RateLimitName, type RateLimitRule } from '#platform/rate-limit/rate-limit-rule.js';
import { Clock } from '#platform/time/clock.js';
import { Sql } from '../sql.js';
import { HitReservations } from './hit-reservations.js';

/**
 * GCRA: a bucket's theoretical arrival time (tat) moves one emission interval forward per
 * admitted request, and a request is admitted while that keeps tat within one period of now.
 * Refused requests do not move it, so a caller who keeps hammering is let through again as soon
 * as the rate allows. One statement takes a whole batch of hits under the bucket's row lock,
 * which keeps the count exact across replicas: the insert creates the bucket, or the update
 * computes the hits it can admit and the new tat from the row it locked (every expression of an
 * update reads the row as it was), and stores that count in `admitted` for `returning`. A batch
 * may ask for more hits than it holds requests: those are reserved for the replica's next
 * requests of a busy bucket (HitReservations), so a client sending many requests at once costs a
 * few statements a second rather than one per batch.
 *
 * It commits asynchronously (`synchronous_commit` off for its own transaction only, set in the
 * statement): a busy client's bucket is one row that every batch updates in turn, and waiting for
 * each commit's WAL flush while holding its lock would serialise them on the disk. A crash of
 * PostgreSQL can forget the last fraction of a second of counts; every other statement still
 * commits synchronously.
 * Parameters: $1 bucket, $2 now, $3 emission interval (ms), $4 period (ms), $5 hits requested.
 */
const START = 'greatest(b.tat, $2::timestamptz)';
/** Whole emission intervals left before tat would run more than one period ahead of now (the epsilon absorbs floating-point error in period / emission = limit). */
const ADMITTED = `greatest(0, least($5::int, floor((extract(epoch from ($2::timestamptz - ${START})) * 1000 + $4::float8) / $3::float8 + 1e-9)::int))`;
const TAKE = `insert into rate_limit_buckets as b (bucket, tat, admitted)
  select $1, $2::timestamptz + (least($5::int, floor($4::float8 / $3::float8 + 1e-9)::int) * $3::float8) * interval '1 millisecond',
         least($5::int, floor($4::float8 / $3::float8 + 1e-9)::int)
    from (select set_config('synchronous_commit', 'off', true)) asynchronous
  on conflict (bucket) do update
    set admitted = ${ADMITTED},
        tat = ${START} + (${ADMITTED} * $3::float8) * interval '1 millisecond'
  returning b.admitted, extract(epoch from b.tat) * 1000 as tat_ms`;

interface TakeRow {
  admitted: number;
  /** The bucket's tat afterwards, in epoch milliseconds (the pool returns timestamps as text). */
  tat_ms: number | string;
}

interface Waiter {
  resolve(waitSeconds: number): void;
  reject(error: unknown): void;
}

/**
 * The rate limits of SPEC §8, counted in PostgreSQL so that every replica shares them. Subjects
 * (addresses, accounts, client and caller ids) are stored only as hashes.
 */
@Injectable()
export class RateLimiter {
  private readonly waiting = new Map<string, Waiter[]>();
  private readonly inFlight = new Set<string>();
  private readonly reservations = new HitReservations();

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

  /**
   * 0 when admitted, otherwise the whole seconds until the next request would be. A hit this
   * replica reserved for the bucket admits at once (HitReservations). Otherwise hits of one bucket
   * that arrive while its previous statement is in flight wait for it and then go together, in
   * arrival order, as one statement.
   */
  private tryHit(bucket: string, rule: RateLimitRule): Promise<number> {
    if (this.reservations.use(bucket, this.clock.now().getTime())) return Promise.resolve(0);
    return new Promise((resolve, reject) => {
      const queue = this.waiting.get(bucket);
      if (queue) queue.push({ resolve, reject });
      else this.waiting.set(bucket, [{ resolve, reject }]);
      if (!this.inFlight.has(bucket)) void this.take(bucket, rule);
    });
  }

  private async take(bucket: string, rule: RateLimitRule): Promise<void> {
    const waiters = this.waiting.get(bucket);
    if (!waiters) return;
    this.waiting.delete(bucket);
    this.inFlight.add(bucket);
    try {
      const now = this.clock.now().getTime();
      const periodMs = rule.periodSeconds * 1000;
      const emissionMs = periodMs / rule.limit;
      const requested = waiters.length + this.reservations.extra(bucket, rule, waiters.length, now);
      const [row] = await this.sql.rows<TakeRow>(TAKE, [bucket, new Date(now), emissionMs, periodMs, requested]);
      const admitted = Number(row!.admitted);
      this.reservations.keep(bucket, Math.max(0, admitted - waiters.length), now, this.clock.now().getTime());
      const nextAdmissionMs = Number(row!.tat_ms) + emissionMs - periodMs;
      const waitSeconds = Math.max(1, Math.ceil((nextAdmissionMs - now) / 1000));
      waiters.forEach((waiter, index) => waiter.resolve(index < admitted ? 0 : waitSeconds));
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
    } finally {
      this.inFlight.delete(bucket);
      this.admitWaitingFromReservation(bucket);
      if (this.waiting.has(bucket)) void this.take(bucket, rule);
    }
  }

  /** Hits that queued behind a statement which reserved more than its own requests take those first. */
  private admitWaitingFromReservation(bucket: string): void {
    const queue = this.waiting.get(bucket);
    if (!queue) return;
    const now = this.clock.now().getTime();
    while (queue.length > 0 && this.reservations.use(bucket, now)) queue.shift()!.resolve(0);
    if (queue.length === 0) this.waiting.delete(bucket);
  }
}

function bucketOf(name: RateLimitName, subject: string): string {
  return `${name}:${createHash('sha256').update(subject).digest('base64url')}`;
}
