import { Controller, Get, Header, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import type { Response } from 'express';
import { PublicRoute } from '#platform/api/route-access.js';
import { ReadinessIndicators } from './readiness.indicators.js';

/** Kubernetes probes, identical on both planes (SPEC §8). */
@Controller('health')
@PublicRoute()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly readiness: ReadinessIndicators,
  ) {}

  /** 200 while the process runs; never touches the database. */
  @Get('live')
  @Header('Cache-Control', 'no-store')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** 200 only when the instance can serve: not shutting down, database reachable, schema current. */
  @Get('ready')
  @Header('Cache-Control', 'no-store')
  async ready(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult | object> {
    try {
      return await this.health.check([
        () => this.readiness.lifecycleCheck(),
        () => this.readiness.databaseCheck(),
        () => this.readiness.migrationsCheck(),
        ...this.readiness.extraIndicators(),
      ]);
    } catch (error) {
      // Terminus reports "not ready" by throwing; answer its terminus-style body with 503 directly.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      res.status(503);
      return error.getResponse() as object;
    }
  }
}
