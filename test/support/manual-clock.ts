import { Clock } from '#platform/time/clock.js';

/** Follows real time, shifted by however far a test has moved it forward. */
export class ManualClock extends Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
