import type { NestExpressApplication } from '@nestjs/platform-express';
import { createPlaneApp } from '#platform/http/plane-app.factory.js';
import { ProblemDetailsRenderer } from '#platform/http/problem-details.renderer.js';
import type { PlaneContext } from '#platform/plane-context.js';
import { AdminPlaneModule } from './admin-plane.module.js';

/** The admin plane application: errors are RFC 9457 problem+json. */
export function createAdminApp(context: PlaneContext): Promise<NestExpressApplication> {
  return createPlaneApp(AdminPlaneModule.forRoot(context), context, { plane: 'admin', renderer: new ProblemDetailsRenderer() });
}
