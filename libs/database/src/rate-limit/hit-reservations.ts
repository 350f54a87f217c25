import type { RateLimitRule } from '#platform/rate-limit/rate-limit-rule.js';

/** How long hits counted ahead in the shared bucket stay usable by the replica that counted them. */
export const RESERVATION_MS = 100;

/** Buckets whose reservations are remembered; beyond this the oldest is forgotten (its unused hits are lost, which can only refuse early). */
export const MAX_RESERVING_BUCKETS = 10_000;

interface Reservation {
  /** Hits counted in the shared bucket and not yet used by a request. */
  left: number;
  usableUntilMs: number;
  /** Requests admitted from reservations since the bucket's last statement: the demand to reserve for next. */
  usedSinceStatement: number;
}

/**
 * Hits a replica has counted ahead in a busy bucket, to admit its next requests without a
 * statement each. Only concurrent demand reserves: a statement counting `waiting` requests asks
 * for `waiting - 1` more, plus as many as were used from the bucket's reservation if it is still
 * live (so a reservation follows the demand, at most doubling per statement), but never more than
 * the rule refills in RESERVATION_MS. Requests that come one at a time are counted one statement
 * each, and a rule slower than ten requests a second never reserves.
 *
 * A reserved hit is counted when its statement is sent and used within RESERVATION_MS of that or
 * not at all, so the limit holds over any period stretched by RESERVATION_MS. Reserved hits that
 * go unused were still counted, and can make this or another replica refuse that many requests
 * early. So nothing is reserved while statements are slow (the last one took half of
 * RESERVATION_MS or more): the reservation would mostly run out before it arrived.
 */
export class HitReservations {
  private readonly reservations = new Map<string, Reservation>();
  private lastStatementMs = 0;

  /** Admits one request of `bucket` from a live reservation, if it has a hit left. */
  use(bucket: string, nowMs: number): boolean {
    const reservation = this.reservations.get(bucket);
    if (!reservation || reservation.left === 0 || nowMs >= reservation.usableUntilMs) return false;
    reservation.left -= 1;
    reservation.usedSinceStatement += 1;
    return true;
  }

  /** How many hits to ask for beyond the `waiting` requests in the bucket's next statement, sent at `nowMs`. */
  extra(bucket: string, rule: RateLimitRule, waiting: number, nowMs: number): number {
    const ceiling = reservationCeiling(rule);
    if (ceiling === 0 || this.lastStatementMs >= RESERVATION_MS / 2) return 0;
    const reservation = this.reservations.get(bucket);
    const used = reservation && nowMs < reservation.usableUntilMs ? reservation.usedSinceStatement : 0;
    return Math.min(ceiling, used + waiting - 1);
  }

  /**
   * Keeps `hits` admitted beyond the waiting requests by a statement sent at `sentAtMs` and
   * answered at `answeredAtMs`, usable until RESERVATION_MS after it was sent; what was left
   * before is spent or expired.
   */
  keep(bucket: string, hits: number, sentAtMs: number, answeredAtMs: number): void {
    this.lastStatementMs = answeredAtMs - sentAtMs;
    this.reservations.delete(bucket);
    if (hits === 0) return;
    if (this.reservations.size >= MAX_RESERVING_BUCKETS) this.reservations.delete(this.reservations.keys().next().value!);
    this.reservations.set(bucket, { left: hits, usableUntilMs: sentAtMs + RESERVATION_MS, usedSinceStatement: 0 });
  }
}

/** What the rule refills in RESERVATION_MS, in whole hits. */
export function reservationCeiling(rule: RateLimitRule): number {
  return Math.floor((rule.limit * RESERVATION_MS) / (rule.periodSeconds * 1000));
}
