/**
 * The source of "now" for every time-based rule (lockout, session expiry, token lifetimes), so
 * tests can move time forward instead of waiting. Production uses SystemClock.
 */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
