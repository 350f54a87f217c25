import { Clock } from '#platform/time/clock.js';

/** Follows real time, shifted by however far a test has moved it forward, until a test freezes it. */
export class ManualClock extends Clock {
  private offsetMs = 0;
  private frozenAtMs: number | null = null;

  now(): Date {
    return new Date((this.frozenAtMs ?? Date.now()) + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** Stops at `atMs` (by default the clock's present time); advance still moves it. */
  freeze(atMs = this.now().getTime()): void {
    this.frozenAtMs = atMs;
    this.offsetMs = 0;
  }
}
