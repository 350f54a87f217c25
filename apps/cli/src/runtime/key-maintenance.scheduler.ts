import { RequestContext } from '@mikro-orm/core';
import type { INestApplicationContext } from '@nestjs/common';
import { KeyMaintenanceService } from '#oauth/keys/key-maintenance.service.js';
import type { PlaneContext } from '#platform/plane-context.js';
import { isDatabaseUnavailable } from '#platform/errors/database-unavailable.js';

const INTERVAL_MS = 60 * 60_000;

/**
 * Runs key maintenance (first keys for tenants without any, scheduled rotation) at start and then
 * hourly. Replicas all run it; an advisory lock lets one of them do the work each time.
 */
export class KeyMaintenanceScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly services: INestApplicationContext,
    private readonly context: PlaneContext,
  ) {}

  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): Promise<void> {
    this.running = RequestContext.create(this.context.orm.em, async () => {
      try {
        const report = await this.services.get(KeyMaintenanceService).runOnce();
        if (report.initialized.length > 0 || report.rotated.length > 0) this.context.logger.info(report, 'signing key maintenance');
      } catch (error) {
        const level = isDatabaseUnavailable(error) ? 'warn' : 'error';
        this.context.logger[level]({ err: error }, 'signing key maintenance failed; retrying at the next run');
      }
    });
    return this.running;
  }
}
