/**
 * Writes the admin API's OpenAPI document to docs/openapi.json (`npm run openapi`). The admin
 * application is built without connecting to any database: only its route metadata is read.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { ModulesContainer } from '@nestjs/core';
import { MikroORM } from '@mikro-orm/postgresql';
import { pino } from 'pino';
import { buildOrmConfig } from '#database/orm.config.js';
import { projectRoot } from '#database/project-root.js';
import { loadConfig } from '#platform/config/config.loader.js';
import { LifecycleState } from '#platform/lifecycle/lifecycle.state.js';
import { SystemClock } from '#platform/time/clock.js';
import { Metrics } from '#platform/metrics/metrics.js';
import { createAdminApp } from '../create-admin-app.js';
import { adminOpenApiDocument } from './openapi-document.js';

const { config } = loadConfig({ OPENTRUSTY_LOG_LEVEL: 'silent' });
const orm = new MikroORM(buildOrmConfig('postgresql://unused@127.0.0.1:1/unused', config.database));
const app = await createAdminApp({ config, orm, lifecycle: new LifecycleState(), logger: pino({ level: 'silent' }), clock: new SystemClock(), keyEncryptionKey: randomBytes(32), metrics: new Metrics() });
const path = `${projectRoot()}/docs/openapi.json`;
writeFileSync(path, `${JSON.stringify(adminOpenApiDocument(app.get(ModulesContainer)), null, 2)}\n`);
await app.close();
process.stdout.write(`wrote ${path}\n`);
