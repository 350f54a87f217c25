import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import { z } from 'zod';
import { API_ROUTE, type ApiRouteSpec } from './api-route.decorator.js';
import { STATUS_BY_KIND } from '../errors/error-kind-status.js';
import { problemSchema } from './common.schemas.js';
import { type PermissionRequirement, PUBLIC_ROUTE, REQUIRED_PERMISSION } from './route-access.js';

export interface OpenApiInfo {
  readonly title: string;
  readonly version: string;
  readonly description: string;
}

interface DiscoveredRoute {
  readonly method: string;
  readonly path: string;
  readonly spec: ApiRouteSpec;
  readonly isPublic: boolean;
  readonly requirement: PermissionRequirement | undefined;
}

/** Every handler of the application declared with @ApiRoute, found through Nest's module graph. */
export function discoverApiRoutes(modules: ModulesContainer): DiscoveredRoute[] {
  const routes: DiscoveredRoute[] = [];
  for (const module of modules.values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!controller) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function') continue;
        const spec = Reflect.getMetadata(API_ROUTE, handler) as ApiRouteSpec | undefined;
        if (!spec) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number]!.toLowerCase();
        const path = `/${[base, String(Reflect.getMetadata(PATH_METADATA, handler) ?? '')].join('/')}`.replace(/\/+/g, '/').replace(/\/$/, '') || '/';
        routes.push({
          method,
          path: path.replace(/:(\w+)/g, '{$1}'),
          spec,
          isPublic: Reflect.getMetadata(PUBLIC_ROUTE, handler) === true || Reflect.getMetadata(PUBLIC_ROUTE, controller) === true,
          requirement: Reflect.getMetadata(REQUIRED_PERMISSION, handler) ?? Reflect.getMetadata(REQUIRED_PERMISSION, controller),
        });
      }
    }
  }
  return routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

/**
 * JSON Schema of a zod schema. Schemas named with `.meta({ id })` go to `components.schemas`
 * once (`named`) and are referenced from wherever they appear.
 */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output', named: Record<string, unknown>): Record<string, unknown> {
  const generated = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' }) as Record<string, unknown>;
  const { $schema: _schema, $defs, ...rest } = JSON.parse(JSON.stringify(generated).replaceAll('"#/$defs/', '"#/components/schemas/')) as Record<string, unknown>;
  for (const [id, definition] of Object.entries(($defs as Record<string, unknown> | undefined) ?? {})) named[id] ??= definition;
  const id = (z.globalRegistry.get(schema) as { id?: string } | undefined)?.id;
  if (id && io === 'output') {
    named[id] ??= rest;
    return { $ref: `#/components/schemas/${id}` };
  }
  return rest;
}

function parametersOf(schema: z.ZodType | undefined, location: 'path' | 'query', named: Record<string, unknown>): object[] {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input', named) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (object.required ?? []).includes(name),
    ...(property.description ? { description: property.description } : {}),
    schema: property,
  }));
}

/** A route's NDJSON form: a stream of lines, each one object of the declared schema (`x-ndjson-line`). */
function ndjsonContent(spec: ApiRouteSpec, named: Record<string, unknown>): Record<string, unknown> {
  if (!spec.ndjson) return {};
  return {
    'application/x-ndjson': {
      schema: { type: 'string', description: 'Newline-delimited JSON (Accept: application/x-ndjson): one object per line, as described by x-ndjson-line.' },
      'x-ndjson-line': jsonSchema(spec.ndjson, 'output', named),
    },
  };
}

const PROBLEM_RESPONSE = { $ref: '#/components/responses/Problem' };

/**
 * The OpenAPI 3.1 document of the admin API, generated from the routes' own zod schemas and
 * access rules, so it cannot say something the code does not do.
 */
export function buildOpenApiDocument(modules: ModulesContainer, info: OpenApiInfo): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const named: Record<string, unknown> = {};
  for (const route of discoverApiRoutes(modules)) {
    const { spec } = route;
    const status = String(spec.status ?? 200);
    const responses: Record<string, unknown> = {
      [status]: spec.response
        ? { description: 'Success', content: { 'application/json': { schema: jsonSchema(spec.response, 'output', named) }, ...ndjsonContent(spec, named) } }
        : { description: 'Success, no content' },
    };
    if (spec.body || spec.query || spec.params) responses['400'] = PROBLEM_RESPONSE;
    if (!route.isPublic) Object.assign(responses, { 401: PROBLEM_RESPONSE, 403: PROBLEM_RESPONSE });
    if (/\{\w+\}/.test(route.path)) responses['404'] = PROBLEM_RESPONSE;
    const codes = Object.entries(spec.errors ?? {});
    for (const [, kind] of codes) responses[String(STATUS_BY_KIND[kind])] = PROBLEM_RESPONSE;
    // Every authenticated call counts against its caller's limit; public routes say so in `errors`.
    if (!route.isPublic) responses['429'] = PROBLEM_RESPONSE;
    responses['503'] = PROBLEM_RESPONSE;

    paths[route.path] ??= {};
    paths[route.path]![route.method] = {
      operationId: `${route.method}${route.path.replace(/\{(\w+)\}/g, 'By_$1').replace(/[^A-Za-z0-9]+(\w)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
      summary: spec.summary,
      tags: [spec.tag],
      ...(route.isPublic ? { security: [] } : {}),
      ...(route.requirement ? { 'x-required-permissions': [...route.requirement.anyOf] } : {}),
      ...(codes.length ? { 'x-error-codes': Object.fromEntries(codes.map(([code, kind]) => [code, STATUS_BY_KIND[kind]])) } : {}),
      parameters: [...parametersOf(spec.params, 'path', named), ...parametersOf(spec.query, 'query', named)],
      ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(spec.body, 'input', named) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info,
    servers: [{ url: '/' }],
    security: [{ adminSession: [] }, { bearerToken: [] }],
    paths,
    components: {
      securitySchemes: {
        adminSession: {
          type: 'apiKey',
          in: 'cookie',
          name: 'opentrusty_admin',
          description: 'Console session from POST /api/v1/auth/login (`__Host-opentrusty_admin` over https). Unsafe methods also need the X-CSRF-Token header.',
        },
        bearerToken: { type: 'http', scheme: 'bearer', description: 'An access token from the client_credentials grant of a client holding tenant roles.' },
      },
      responses: {
        Problem: { description: 'An error (RFC 9457 problem details)', content: { 'application/problem+json': { schema: jsonSchema(problemSchema, 'output', named) } } },
      },
      schemas: Object.fromEntries(Object.entries(named).sort(([a], [b]) => a.localeCompare(b))),
    },
  };
}
