import { describe, expect, it } from '@jest/globals';
import { HitReservations, MAX_RESERVING_BUCKETS, RESERVATION_MS, reservationCeiling } from './hit-reservations.js';

const BUSY = { limit: 6_000, periodSeconds: 1 }; // refills 600 hits in RESERVATION_MS
const DEFAULT_TOKEN = { limit: 6_000, periodSeconds: 60 }; // refills 10
const SIGN_IN = { limit: 60, periodSeconds: 60 }; // refills 0.1: never reserves

/** A statement answered 2 ms after it was sent. */
const FAST = 2;

describe('HitReservations', () => {
  it('reserves at most what the rule refills in RESERVATION_MS, and nothing for a rule slower than ten a second', () => {
    expect(reservationCeiling(BUSY)).toBe(600);
    expect(reservationCeiling(DEFAULT_TOKEN)).toBe(10);
    expect(reservationCeiling(SIGN_IN)).toBe(0);
    const reservations = new HitReservations();
    expect(reservations.extra('b', SIGN_IN, 50, 0)).toBe(0);
    expect(reservations.extra('b', DEFAULT_TOKEN, 50, 0)).toBe(10);
  });

  it('asks for nothing more when requests come one at a time, and for one fewer than the waiting requests when they come together', () => {
    const reservations = new HitReservations();
    expect(reservations.extra('b', BUSY, 1, 0)).toBe(0);
    expect(reservations.extra('b', BUSY, 8, 0)).toBe(7);
  });

  it('admits from a reservation until it is used up or RESERVATION_MS have passed since its statement was sent', () => {
    const reservations = new HitReservations();
    expect(reservations.use('b', 1_000)).toBe(false);
    reservations.keep('b', 2, 1_000, 1_000 + FAST);
    expect(reservations.use('other', 1_010)).toBe(false);
    expect(reservations.use('b', 1_050)).toBe(true);
    expect(reservations.use('b', 1_050)).toBe(true);
    expect(reservations.use('b', 1_050)).toBe(false);

    reservations.keep('b', 5, 2_000, 2_000 + FAST);
    expect(reservations.use('b', 2_000 + RESERVATION_MS - 1)).toBe(true);
    expect(reservations.use('b', 2_000 + RESERVATION_MS)).toBe(false);
  });

  it('grows the next request with what was used from a live reservation, up to the ceiling', () => {
    const reservations = new HitReservations();
    reservations.keep('b', 7, 0, FAST);
    for (let used = 0; used < 7; used++) expect(reservations.use('b', 10)).toBe(true);
    // 7 used since the statement, 5 waiting now: ask for 7 + 5 - 1 more, within the ceiling.
    expect(reservations.extra('b', BUSY, 5, 20)).toBe(11);
    expect(reservations.extra('b', DEFAULT_TOKEN, 5, 20)).toBe(10);
    // A statement that reserved nothing forgets the demand.
    reservations.keep('b', 0, 20, 20 + FAST);
    expect(reservations.extra('b', BUSY, 1, 30)).toBe(0);
  });

  it('forgets the demand of a reservation that has run out: a lone request long after a burst reserves nothing', () => {
    const reservations = new HitReservations();
    reservations.keep('b', 10, 0, FAST);
    for (let used = 0; used < 10; used++) reservations.use('b', 10);
    expect(reservations.extra('b', BUSY, 1, RESERVATION_MS - 1)).toBe(10);
    expect(reservations.extra('b', BUSY, 1, RESERVATION_MS)).toBe(0);
    expect(reservations.extra('b', BUSY, 1, 60_000)).toBe(0);
  });

  it('reserves nothing while statements are slow, since the reservation would run out before it arrived', () => {
    const reservations = new HitReservations();
    // Answered after the reservation's window: nothing of it can be used.
    reservations.keep('b', 10, 0, RESERVATION_MS);
    expect(reservations.use('b', RESERVATION_MS)).toBe(false);
    expect(reservations.extra('b', BUSY, 8, RESERVATION_MS)).toBe(0);
    // Half the window is already slow; a fast statement turns reserving back on.
    reservations.keep('other', 0, 1_000, 1_000 + RESERVATION_MS / 2);
    expect(reservations.extra('b', BUSY, 8, 2_000)).toBe(0);
    reservations.keep('other', 0, 2_000, 2_000 + FAST);
    expect(reservations.extra('b', BUSY, 8, 3_000)).toBe(7);
  });

  it('remembers a bounded number of buckets, forgetting the oldest reservation first', () => {
    const reservations = new HitReservations();
    for (let bucket = 0; bucket <= MAX_RESERVING_BUCKETS; bucket++) reservations.keep(`b${bucket}`, 1, 0, FAST);
    expect(reservations.use('b0', 10)).toBe(false);
    expect(reservations.use('b1', 10)).toBe(true);
    expect(reservations.use(`b${MAX_RESERVING_BUCKETS}`, 10)).toBe(true);
  });
});
