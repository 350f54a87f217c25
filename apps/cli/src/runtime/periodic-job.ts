import { RequestContext } from '@mikro-orm/core';
import type { PlaneContext } from '#platform/plane-context.js';
import { isDatabaseUnavailable } from '#platform/errors/database-unavailable.js';

/**
 * A background task `serve` runs at start and then every `intervalMs` (key maintenance, purge).
 * Every replica runs it; the tasks themselves take an advisory lock so one replica does the work.
 * A failure is logged and retried at the next run; stopping waits for a run in progress.
 */
export class PeriodicJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly context: PlaneContext,
    private readonly task: () => Promise<Record<string, unknown> | undefined>,
    /** False: the first run goes on in the background, so a long one (a purge after a long pause) does not hold back serving. */
    private readonly awaitFirstRun = true,
  ) {}

  /** Runs the task once (waiting for it, unless told not to), then on the interval. */
  async start(): Promise<void> {
    const first = this.tick();
    if (this.awaitFirstRun) await first;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): Promise<void> {
    if (this.running) return this.running;
    this.running = RequestContext.create(this.context.orm.em, async () => {
      try {
        const report = await this.task();
        if (report) this.context.logger.info(report, this.name);
      } catch (error) {
        const level = isDatabaseUnavailable(error) ? 'warn' : 'error';
        this.context.logger[level]({ err: error }, `${this.name} failed; retrying at the next run`);
      } finally {
        this.running = undefined;
      }
    });
    return this.running;
  }
}
