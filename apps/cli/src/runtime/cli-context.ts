import { type DynamicModule, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { RequestContext } from '@mikro-orm/core';
import { AuditModule } from '#audit/audit.module.js';
import { DatabaseModule } from '#database/database.module.js';
import { ExpiredRefreshFamilies } from '#oauth/tokens/expired-refresh-families.repository.js';
import { NestLoggerAdapter } from '#platform/logging/nest-logger.adapter.js';
import type { PlaneContext } from '#platform/plane-context.js';
import { PlatformModule } from '#platform/platform.module.js';
import { TenancyModule } from '#tenancy/tenancy.module.js';
import { PurgeService } from '../maintenance/purge.service.js';

@Module({})
class CliModule {
  static forRoot(context: PlaneContext): DynamicModule {
    return { module: CliModule, imports: [PlatformModule.forRoot(context), DatabaseModule.forRoot(context.orm), TenancyModule, AuditModule], providers: [PurgeService, ExpiredRefreshFamilies] };
  }
}

/**
 * Runs `work` with the same services the planes use, outside HTTP: a Nest application context
 * (no server) and a fresh ORM request context, as one request would have.
 */
export async function withCliServices<T>(context: PlaneContext, work: (services: INestApplicationContext) => Promise<T>): Promise<T> {
  const app = await openCliServices(context);
  try {
    return await RequestContext.create(context.orm.em, () => work(app));
  } finally {
    await app.close();
  }
}

/** The services of the planes without any HTTP server, for commands and background jobs. */
export function openCliServices(context: PlaneContext): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(CliModule.forRoot(context), { logger: new NestLoggerAdapter(context.logger), abortOnError: false });
}
