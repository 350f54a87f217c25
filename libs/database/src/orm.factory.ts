import { MikroORM } from '@mikro-orm/postgresql';
import type { DatabaseConfig } from '#platform/config/app-config.js';
import { buildOrmConfig } from './orm.config.js';

/**
 * Creates the process's single ORM (one pool shared by every plane) and opens it eagerly:
 * MikroORM 7 connects lazily, which would hide a wrong URL until the first request.
 */
export async function createOrm(url: string, database: DatabaseConfig): Promise<MikroORM> {
  const orm = new MikroORM(buildOrmConfig(url, database));
  await orm.connect();
  return orm;
}
