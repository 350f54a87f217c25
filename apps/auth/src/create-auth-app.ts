import type { NestExpressApplication } from '@nestjs/platform-express';
import { createPlaneApp } from '#platform/http/plane-app.factory.js';
import type { PlaneContext } from '#platform/plane-context.js';
import { AuthPlaneModule } from './auth-plane.module.js';
import { PublicDocuments } from '#oauth/discovery/public-documents.service.js';
import { publicDocumentShortcut } from './discovery/public-document.response.js';
import { OAuthErrorRenderer } from './oauth-error.renderer.js';

/** The auth plane application: errors use the OAuth 2.0 JSON shape. */
export function createAuthApp(context: PlaneContext): Promise<NestExpressApplication> {
  return createPlaneApp(AuthPlaneModule.forRoot(context), context, {
    plane: 'auth',
    renderer: new OAuthErrorRenderer(),
    acceptFormBodies: true,
    beforeParsing: (app) => [publicDocumentShortcut(app.get(PublicDocuments))],
  });
}
