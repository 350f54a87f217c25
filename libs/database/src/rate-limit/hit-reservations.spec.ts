import { describe, expect, it } from '@jest/globals';
import { HitReservations, MAX_RESERVING_BUCKETS, RESERVATION_MS, reservationCeiling } from './hit-reservations.js';

const BUSY = { limit: 6_000, periodSeconds: 1 }; // refills 600 hits in RESERVATION_MS
const DEFAULT_TOKEN = { limit: 6_000, periodSeconds: 60 }; // refills 10
const SIGN_IN = { limit: 60, periodSeconds: 60 }; // refills 0.1: never reserves

describe('HitReservations', () => {
  it('reserves at most what the rule refills in RESERVATION_MS, and nothing for a rule slower than ten a second', () => {
    expect(reservationCeiling(BUSY)).toBe(600);
    expect(reservationCeiling(DEFAULT_TOKEN)).toBe(10);
    expect(reservationCeiling(SIGN_IN)).toBe(0);
    const reservations = new HitReservations();
    expect(reservations.extra('b', SIGN_IN, 50)).toBe(0);
    expect(reservations.extra('b', DEFAULT_TOKEN, 50)).toBe(10);
  });

  it('asks for nothing more when requests come one at a time, and for one fewer than the waiting requests when they come together', () => {
    const reservations = new HitReservations();
    expect(reservations.extra('b', BUSY, 1)).toBe(0);
    expect(reservations.extra('b', BUSY, 8)).toBe(7);
  });

  it('admits from a reservation until it is used up or RESERVATION_MS have passed', () => {
    const reservations = new HitReservations();
    expect(reservations.use('b', 1_000)).toBe(false);
    reservations.keep('b', 2, 1_000);
    expect(reservations.use('other', 1_000)).toBe(false);
    expect(reservations.use('b', 1_050)).toBe(true);
    expect(reservations.use('b', 1_050)).toBe(true);
    expect(reservations.use('b', 1_050)).toBe(false);

    reservations.keep('b', 5, 2_000);
    expect(reservations.use('b', 2_000 + RESERVATION_MS - 1)).toBe(true);
    expect(reservations.use('b', 2_000 + RESERVATION_MS)).toBe(false);
  });

  it('grows the next request with what was used from the last reservation, up to the ceiling', () => {
    const reservations = new HitReservations();
    reservations.keep('b', 7, 0);
    for (let used = 0; used < 7; used++) expect(reservations.use('b', 10)).toBe(true);
    // 7 used since the statement, 5 waiting now: ask for 7 + 5 - 1 more, within the ceiling.
    expect(reservations.extra('b', BUSY, 5)).toBe(11);
    expect(reservations.extra('b', DEFAULT_TOKEN, 5)).toBe(10);
    // A statement that reserved nothing forgets the demand.
    reservations.keep('b', 0, 20);
    expect(reservations.extra('b', BUSY, 1)).toBe(0);
  });

  it('remembers a bounded number of buckets, forgetting the oldest reservation first', () => {
    const reservations = new HitReservations();
    for (let bucket = 0; bucket <= MAX_RESERVING_BUCKETS; bucket++) reservations.keep(`b${bucket}`, 1, 0);
    expect(reservations.use('b0', 1)).toBe(false);
    expect(reservations.use('b1', 1)).toBe(true);
    expect(reservations.use(`b${MAX_RESERVING_BUCKETS}`, 1)).toBe(true);
  });
});
