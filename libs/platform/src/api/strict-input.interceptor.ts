import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { API_ROUTE, type ApiRouteSpec } from './api-route.decorator.js';
import { ValidationError } from './validation.js';

/**
 * "Unknown fields are rejected" (SPEC §6) for routes that take no query or no body at all: their
 * schemas cannot do it, since they are never asked. An empty JSON object body is tolerated.
 */
@Injectable()
export class StrictInputInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = Reflect.getMetadata(API_ROUTE, context.getHandler()) as ApiRouteSpec | undefined;
    if (spec) {
      const req = context.switchToHttp().getRequest<Request>();
      const unknownParameter = spec.query ? undefined : Object.keys(req.query ?? {})[0];
      if (unknownParameter !== undefined) {
        throw new ValidationError([{ location: 'query', path: unknownParameter.slice(0, 200), message: 'this route takes no query parameters' }]);
      }
      if (!spec.body && !isAbsentOrEmptyObject(req.body)) {
        throw new ValidationError([{ location: 'body', path: '', message: 'this route takes no request body' }]);
      }
    }
    return next.handle();
  }
}

function isAbsentOrEmptyObject(body: unknown): boolean {
  return body === undefined || (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0);
}
