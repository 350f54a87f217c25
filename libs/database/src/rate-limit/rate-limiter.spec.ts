import { describe, expect, it } from '@jest/globals';
import type { AppConfig } from '#platform/config/app-config.js';
import type { Metrics } from '#platform/metrics/metrics.js';
import { Clock } from '#platform/time/clock.js';
import type { Sql } from '../sql.js';
import { RESERVATION_MS } from './hit-reservations.js';
import { RateLimiter } from './rate-limiter.js';

/** Stands still unless a test moves it. */
class TestClock extends Clock {
  private ms = 1_000_000;

  now(): Date {
    return new Date(this.ms);
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}

/**
 * Stands in for PostgreSQL: each counting statement waits until the test answers it with how many
 * hits the bucket admitted. (The SQL itself is tested against PostgreSQL in rate-limits.e2e-spec.)
 */
function heldStatements() {
  const statements: { requested: number; answer(admitted: number): void }[] = [];
  const sql = {
    rows: (_text: string, params: readonly unknown[]) =>
      new Promise((resolve) => statements.push({ requested: Number(params[4]), answer: (admitted) => resolve([{ admitted, tat_ms: 1_000_000 }]) })),
  } as unknown as Sql;
  return { sql, statements };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('RateLimiter', () => {
  it('admits requests that queued behind a reserving statement from its reservation, without another statement', async () => {
    const { sql, statements } = heldStatements();
    const config = { rateLimits: { tokenPerClient: { limit: 6_000, periodSeconds: 1 } } } as unknown as AppConfig;
    const limiter = new RateLimiter(sql, new TestClock(), { rateLimited: { inc() {} } } as unknown as Metrics, config);
    const hit = () => limiter.hit('tokenPerClient', 'client-a');

    const first = hit();
    const queued = [hit(), hit(), hit()];
    expect(statements.map((s) => s.requested)).toEqual([1]);
    statements[0]!.answer(1);
    await first;
    await tick();
    // Three arrived together: they ask for two more.
    expect(statements.map((s) => s.requested)).toEqual([1, 5]);
    const behind = [hit(), hit()];
    statements[1]!.answer(5);
    await Promise.all([...queued, ...behind]);
    await tick();
    expect(statements).toHaveLength(2);
  });

  it('refuses what the bucket did not admit and keeps no reservation then', async () => {
    const { sql, statements } = heldStatements();
    const config = { rateLimits: { tokenPerClient: { limit: 6_000, periodSeconds: 1 } } } as unknown as AppConfig;
    const limiter = new RateLimiter(sql, new TestClock(), { rateLimited: { inc() {} } } as unknown as Metrics, config);
    const hit = () => limiter.hit('tokenPerClient', 'client-a').then(() => 'admitted', () => 'refused');

    const first = hit();
    const queued = [hit(), hit(), hit()];
    statements[0]!.answer(1);
    await first;
    await tick();
    statements[1]!.answer(2);
    expect(await Promise.all(queued)).toEqual(['admitted', 'admitted', 'refused']);
    const next = hit();
    await tick();
    expect(statements).toHaveLength(3);
    statements[2]!.answer(0);
    expect(await next).toBe('refused');
  });

  it('reserves nothing after a statement that came back too late for its reservation to be of use', async () => {
    const { sql, statements } = heldStatements();
    const clock = new TestClock();
    const config = { rateLimits: { tokenPerClient: { limit: 6_000, periodSeconds: 1 } } } as unknown as AppConfig;
    const limiter = new RateLimiter(sql, clock, { rateLimited: { inc() {} } } as unknown as Metrics, config);
    const hit = () => limiter.hit('tokenPerClient', 'client-a');

    const first = hit();
    const queued = [hit(), hit(), hit()];
    statements[0]!.answer(1);
    await first;
    await tick();
    expect(statements.map((s) => s.requested)).toEqual([1, 5]);
    // The second statement is answered only after its reservation's window has passed.
    const behind = [hit(), hit(), hit()];
    clock.advance(RESERVATION_MS);
    statements[1]!.answer(5);
    await Promise.all(queued);
    await tick();
    // Its two extra hits are not kept, and the next statement asks only for its own requests.
    expect(statements.map((s) => s.requested)).toEqual([1, 5, 3]);
    statements[2]!.answer(3);
    await Promise.all(behind);
  });
});
