import { applyDecorators, HttpCode, SetMetadata } from '@nestjs/common';
import type { z } from 'zod';
import type { ErrorKind } from '../errors/domain-error.js';

export const API_ROUTE = 'opentrusty:api-route';

/**
 * The contract of one admin-API route, declared once beside its handler: the same zod schemas
 * validate the request (ValidBody, ValidQuery, ValidParams) and generate the OpenAPI document.
 */
export interface ApiRouteSpec {
  readonly summary: string;
  readonly tag: string;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  /** Schema of the success body; omitted for 204. */
  readonly response?: z.ZodType;
  /** With `Accept: application/x-ndjson` the route streams its whole range instead: the schema of one line. */
  readonly ndjson?: z.ZodType;
  /** Success status (default 200). */
  readonly status?: 200 | 201 | 204;
  /** Problem `code`s this route may answer besides the generic ones, each with its kind (hence its status). */
  readonly errors?: Readonly<Record<string, ErrorKind>>;
}

export function ApiRoute(spec: ApiRouteSpec) {
  return applyDecorators(SetMetadata(API_ROUTE, spec), HttpCode(spec.status ?? 200));
}
