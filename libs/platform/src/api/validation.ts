import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { z } from 'zod';
import { DomainError } from '../errors/domain-error.js';
import { API_ROUTE, type ApiRouteSpec } from './api-route.decorator.js';

export interface ValidationIssue {
  readonly location: 'body' | 'query' | 'path';
  readonly path: string;
  readonly message: string;
}

export class ValidationError extends DomainError {
  constructor(issues: readonly ValidationIssue[]) {
    super('invalid_input', 'validation_failed', 'The request is not valid; see `errors`.', { errors: issues });
  }
}

/**
 * The path to the first string holding U+0000, which no PostgreSQL text column can store and no
 * legitimate input needs; null when there is none. Depth is bounded (the body parser limits size).
 */
function findNulCharacter(value: unknown, path: string[] = [], depth = 0): string[] | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (depth > 32 || value === null || typeof value !== 'object') return null;
  for (const [key, inner] of Object.entries(value)) {
    if (key.includes('\u0000')) return [...path, '(key)'];
    const found = findNulCharacter(inner, [...path, key], depth + 1);
    if (found) return found;
  }
  return null;
}

/** Parses `value` with `schema`; failures become a 400 validation_failed listing each issue (never the values). */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, location: ValidationIssue['location']): z.output<T> {
  const nul = findNulCharacter(value);
  if (nul) throw new ValidationError([{ location, path: nul.join('.').slice(0, 200), message: 'must not contain the NUL character' }]);
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.slice(0, 20).map((issue) => ({
      location,
      path: issue.path.map(String).join('.').slice(0, 200),
      message: issue.message.slice(0, 300),
    })),
  );
}

function specOf(context: ExecutionContext): ApiRouteSpec {
  const spec = Reflect.getMetadata(API_ROUTE, context.getHandler()) as ApiRouteSpec | undefined;
  if (!spec) throw new Error(`${context.getClass().name}.${context.getHandler().name} has no @ApiRoute`);
  return spec;
}

function requestOf(context: ExecutionContext): Request {
  return context.switchToHttp().getRequest<Request>();
}

/** The JSON body, validated by the route's `body` schema. */
export const ValidBody = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const schema = specOf(context).body;
  if (!schema) throw new Error('@ValidBody() on a route without a body schema');
  return parseInput(schema, requestOf(context).body ?? {}, 'body');
});

/** The query string, validated by the route's `query` schema. */
export const ValidQuery = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const schema = specOf(context).query;
  if (!schema) throw new Error('@ValidQuery() on a route without a query schema');
  return parseInput(schema, { ...requestOf(context).query }, 'query');
});

/** The path parameters, validated by the route's `params` schema. */
export const ValidParams = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const schema = specOf(context).params;
  if (!schema) throw new Error('@ValidParams() on a route without a params schema');
  return parseInput(schema, { ...requestOf(context).params }, 'path');
});
