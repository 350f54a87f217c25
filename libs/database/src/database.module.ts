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
    // MikroORM's own RequestContext, entered through its (TypeScript-private) async storage so that
    // the fork can be lazy; should a MikroORM upgrade move that storage, requests fork eagerly again.
    const storage = (RequestContext as unknown as { storage?: { run(context: RequestContext, next: () => void): void } }).storage;
    consumer
      .apply((_req: Request, _res: Response, next: NextFunction) =>
        storage?.run ? storage.run(new RequestContext(new LazyForks(orm.em)), next) : RequestContext.create(orm.em, next),
      )
      .forRoutes('*path');
  }
}

/**
 * The request's EntityManager fork, made the first time the request asks for it: many protocol
 * requests (public documents, token grants, introspection) never touch the unit of work, and
 * forking costs more than serving them.
 */
export class LazyForks extends Map<string, CoreEntityManager> {
  private forking = false;

  constructor(private readonly root: CoreEntityManager) {
    super();
  }

  override get(name: string): CoreEntityManager | undefined {
    let fork = super.get(name);
    // While forking, MikroORM asks the context for the current manager: that is still the root
    // (as when a context is created eagerly, before it is entered).
    if (!fork && name === this.root.name && !this.forking) {
      this.forking = true;
      try {
        fork = this.root.fork({ useContext: true });
      } finally {
        this.forking = false;
      }
      this.set(name, fork);
    }
    return fork;
  }
}
