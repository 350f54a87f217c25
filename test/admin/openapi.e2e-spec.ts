import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { ModulesContainer } from '@nestjs/core';
import request from 'supertest';
import { discoverApiRoutes } from '#platform/api/openapi.js';
import { PERMISSIONS } from '#access/permission-catalogue.js';
import { adminOpenApiDocument } from '#admin-plane/openapi/openapi-document.js';
import { routesOf } from '../support/routes.js';
import { startTestPlanes, type TestPlanes } from '../support/test-planes.js';
import { createMigratedDatabase, type TestDatabase } from '../support/test-database.js';

describe('the admin API contract', () => {
  let database: TestDatabase;
  let planes: TestPlanes;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startTestPlanes(database.url);
  });

  afterAll(async () => {
    await planes.close();
    await database.drop();
  });

  it('matches the committed docs/openapi.json (run `npm run openapi` after changing a route)', () => {
    const committed = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'));
    expect(adminOpenApiDocument(planes.admin.get(ModulesContainer))).toEqual(committed);
  });

  it('is served at /api/v1/openapi.json without authentication', async () => {
    const response = await request(planes.admin.getHttpServer()).get('/api/v1/openapi.json').expect(200);
    expect(response.body.openapi).toBe('3.1.0');
    expect(response.body).toEqual(adminOpenApiDocument(planes.admin.get(ModulesContainer)));
  });

  it('documents every route the admin plane serves (besides the probes), and nothing else', () => {
    const served = routesOf(planes.admin)
      .filter((route) => !route.path.startsWith('/health/'))
      .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`)
      .sort();
    const documented = discoverApiRoutes(planes.admin.get(ModulesContainer))
      .map((route) => `${route.method.toUpperCase()} ${route.path}`)
      .sort();
    expect(documented).toEqual(served);
  });

  it('gives every route an explicit access rule naming real permissions', () => {
    for (const route of discoverApiRoutes(planes.admin.get(ModulesContainer))) {
      expect({ route: route.path, declared: route.isPublic || route.requirement !== undefined }).toEqual({ route: route.path, declared: true });
      for (const permission of route.requirement?.anyOf ?? []) expect(Object.keys(PERMISSIONS)).toContain(permission);
    }
    // Only these are public: probes aside, nothing else may skip authentication.
    const publicRoutes = discoverApiRoutes(planes.admin.get(ModulesContainer)).filter((route) => route.isPublic).map((route) => `${route.method} ${route.path}`);
    expect(publicRoutes.sort()).toEqual(['get /api/v1', 'get /api/v1/openapi.json', 'post /api/v1/auth/login']);
  });

  it('publishes the request and response schemas of a route', () => {
    const document = adminOpenApiDocument(planes.admin.get(ModulesContainer)) as { paths: Record<string, Record<string, any>> };
    const create = document.paths['/api/v1/tenants/{tenantId}/users']!.post;
    expect(create['x-required-permissions']).toEqual(['tenant.users.manage']);
    expect(create.requestBody.content['application/json'].schema).toMatchObject({ type: 'object', additionalProperties: false, required: ['email'] });
    expect(create.responses['201'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/User' });
    expect((document as any).components.schemas.User.properties).toHaveProperty('email');
    expect(create.parameters).toEqual([expect.objectContaining({ name: 'tenantId', in: 'path', required: true })]);
  });
});
