import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config.js';
import { createRequestLogger, type PlaneName } from '../logging/request-logging.js';
import type { ErrorRenderer } from './error-renderer.js';
import type { Metrics } from '../metrics/metrics.js';
import { runWithRequestMeta } from '../context/request-meta.js';
import { handleHttpError, PlaneExceptionFilter } from './plane-exception.filter.js';

export interface HttpPlatformOptions {
  readonly plane: PlaneName;
  readonly config: AppConfig;
  readonly logger: Logger;
  readonly renderer: ErrorRenderer;
  /** Headers set on every response of the plane before routing (security defaults). */
  readonly defaultHeaders: Readonly<Record<string, string>>;
  /** Body types the plane accepts: JSON always, HTML-form bodies where the protocol needs them. */
  readonly acceptFormBodies: boolean;
  /** Plane-specific middleware run after logging and headers, before body parsing (CORS, media-type checks). */
  readonly beforeParsing?: readonly express.RequestHandler[];
  readonly metrics: Metrics;
}

/**
 * The HTTP conventions shared by both planes, applied before Nest adds its routes, in order:
 * request id + logging, default headers, body parsing with size limits and its error answers,
 * proxy trust, and the exception filter that renders every error in the plane's format.
 * The app must be created with `bodyParser: false` so that these parsers are the only ones.
 */
export function configureHttpPlatform(app: NestExpressApplication, options: HttpPlatformOptions): void {
  const { config, logger, renderer, plane } = options;
  const instance = app.getHttpAdapter().getInstance() as express.Express;
  instance.disable('x-powered-by');
  instance.set('trust proxy', config.trustProxy);
  instance.set('etag', false);
  // Leave the query string as a flat map of strings (no nested objects from `a[b]=c`).
  instance.set('query parser', 'simple');

  app.use(createRequestLogger(logger, plane));
  app.use(requestMetrics(options.metrics, plane));
  // After the logger: the request id exists; trust-proxy is applied, so req.ip is the client's.
  app.use((req: Request, _res: Response, next: NextFunction) =>
    runWithRequestMeta({ requestId: (req as Request & { id?: string }).id, ip: req.ip, userAgent: req.get('user-agent')?.slice(0, 512) }, next),
  );
  app.use((_req: Request, res: Response, next: NextFunction) => {
    for (const [name, value] of Object.entries(options.defaultHeaders)) res.setHeader(name, value);
    next();
  });
  for (const middleware of options.beforeParsing ?? []) app.use(middleware);
  const limit = config.bodyLimitBytes;
  app.use(express.json({ limit, strict: true, type: ['application/json', 'application/*+json'] }));
  if (options.acceptFormBodies) app.use(express.urlencoded({ limit, extended: false, parameterLimit: 100 }));
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => handleHttpError(error, req, res, renderer, logger));
  app.useGlobalFilters(new PlaneExceptionFilter(renderer, logger));
}

/**
 * Counts each answered request and its duration under the matched route pattern (never the raw
 * path, whose ids and slugs would make the label set unbounded); unmatched paths share one label.
 */
function requestMetrics(metrics: Metrics, plane: string): express.RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      // Routes answered before the router (public documents) name their pattern in res.locals.
      const route = (req.route as { path?: string } | undefined)?.path ?? (res.locals.routePattern as string | undefined) ?? 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpRequests.inc({ plane, method: req.method, route, status: String(res.statusCode) });
      metrics.httpDuration.observe({ plane, method: req.method, route }, seconds);
    });
    next();
  };
}
