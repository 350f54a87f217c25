import { type DynamicModule, Global, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { EntityManager as CoreEntityManager, MikroORM as CoreMikroORM, RequestContext } from '@mikro-orm/core';
import { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { NextFunction, Request, Response } from 'express';
import { Sql } from './sql.js';
import { RateLimiter } from './rate-limit/rate-limiter.js';

/**
 * Provides the process's ORM to one plane and gives every request its own forked
 * EntityManager (identity map and unit of work), per the house rule "one request = one unit of work".
 * The ORM is created once outside Nest so that several planes in one process share one pool.
 */
@Global()
@Module({})
export class DatabaseModule implements NestModule {
  constructor(private readonly orm: MikroORM) {}

  static forRoot(orm: MikroORM): DynamicModule {
    const providers = [
      { provide: MikroORM, useValue: orm },
      { provide: CoreMikroORM, useValue: orm },
      { provide: EntityManager, useFactory: () => orm.em },
      { provide: CoreEntityManager, useFactory: () => orm.em },
      { provide: Sql, useFactory: () => new Sql(orm) },
      RateLimiter,
    ];
    return { module: DatabaseModule, providers, exports: providers.map((provider) => ('provide' in provider ? provider.provide : provider)) };
  }

  configure(consumer: MiddlewareConsumer): void {
    const orm = this.orm;
    consumer.apply((_req: Request, _res: Response, next: NextFunction) => RequestContext.create(orm.em, next)).forRoutes('*path');
  }
}
