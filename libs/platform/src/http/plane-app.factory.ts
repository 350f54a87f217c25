import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { RequestHandler } from 'express';
import type { PlaneName } from '../logging/request-logging.js';
import { NestLoggerAdapter } from '../logging/nest-logger.adapter.js';
import type { PlaneContext } from '../plane-context.js';
import type { ErrorRenderer } from './error-renderer.js';
import { answerClientErrors } from './client-error.handler.js';
import { configureHttpPlatform } from './http-platform.js';

/** Security headers sent on every response of both planes; routes may override Cache-Control. */
export const BASE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export interface PlaneAppOptions {
  readonly plane: PlaneName;
  readonly renderer: ErrorRenderer;
  readonly headers?: Readonly<Record<string, string>>;
  readonly acceptFormBodies: boolean;
  /** Run after logging and headers, before body parsing and routing; given the app to reach its providers. */
  readonly beforeParsing?: readonly RequestHandler[] | ((app: NestExpressApplication) => readonly RequestHandler[]);
}

/** Builds and initialises (but does not start listening) one plane's Nest application. */
export async function createPlaneApp(rootModule: DynamicModule, context: PlaneContext, options: PlaneAppOptions): Promise<NestExpressApplication> {
  const logger = context.logger.child({ plane: options.plane });
  const app = await NestFactory.create<NestExpressApplication>(rootModule, {
    bodyParser: false,
    abortOnError: false,
    logger: new NestLoggerAdapter(logger),
  });
  const beforeParsing = typeof options.beforeParsing === 'function' ? options.beforeParsing(app) : options.beforeParsing;
  configureHttpPlatform(app, {
    plane: options.plane,
    config: context.config,
    logger,
    renderer: options.renderer,
    defaultHeaders: { ...BASE_SECURITY_HEADERS, ...options.headers },
    acceptFormBodies: options.acceptFormBodies,
    metrics: context.metrics,
    ...(beforeParsing ? { beforeParsing } : {}),
  });
  answerClientErrors(app.getHttpServer(), options.renderer);
  await app.init();
  return app;
}
