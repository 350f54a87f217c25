import type { NestExpressApplication } from '@nestjs/platform-express';
import cors from 'cors';
import type { RequestHandler } from 'express';
import { createPlaneApp } from '#platform/http/plane-app.factory.js';
import { ProblemDetailsRenderer } from '#platform/http/problem-details.renderer.js';
import type { PlaneContext } from '#platform/plane-context.js';
import { AdminPlaneModule } from './admin-plane.module.js';
import { jsonBodiesOnly } from './http/json-bodies-only.middleware.js';

/**
 * The admin plane application: JSON bodies only, errors as RFC 9457 problem+json, and CORS with
 * credentials for the origins in OPENTRUSTY_ADMIN_CORS_ORIGINS only (never `*`).
 */
export function createAdminApp(context: PlaneContext): Promise<NestExpressApplication> {
  const beforeParsing: RequestHandler[] = [];
  if (context.config.adminCorsOrigins.length > 0) {
    beforeParsing.push(
      cors({
        origin: [...context.config.adminCorsOrigins],
        credentials: true,
        methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
        allowedHeaders: ['Content-Type', 'X-CSRF-Token', 'Authorization', 'X-Request-Id'],
        exposedHeaders: ['X-Request-Id', 'Retry-After'],
        maxAge: 600,
      }),
    );
  }
  beforeParsing.push(jsonBodiesOnly);
  return createPlaneApp(AdminPlaneModule.forRoot(context), context, { plane: 'admin', renderer: new ProblemDetailsRenderer(), acceptFormBodies: false, beforeParsing });
}
