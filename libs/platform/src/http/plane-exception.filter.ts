import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { classifyError } from './error-classification.js';
import { type ErrorRenderer, renderError } from './error-renderer.js';
import { requestLog } from '../logging/request-logging.js';

/**
 * The single place where any exception becomes an HTTP answer on a plane. Unexpected failures
 * are logged with their stack (never sent to the client); everything else is a plain 4xx/503.
 */
@Catch()
export class PlaneExceptionFilter implements ExceptionFilter {
  constructor(
    private readonly renderer: ErrorRenderer,
    private readonly logger: Logger,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    handleHttpError(exception, http.getRequest<Request>(), http.getResponse<Response>(), this.renderer, this.logger);
  }
}

export function handleHttpError(exception: unknown, req: Request, res: Response, renderer: ErrorRenderer, logger: Logger): void {
  const classified = classifyError(exception);
  if (classified.unexpected) {
    requestLog(req, logger).error({ err: exception }, 'unhandled error');
  } else if (classified.status === 503) {
    requestLog(req, logger).warn({ reason: exception instanceof Error ? exception.message : String(exception) }, classified.code);
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  renderError(renderer, req, res, classified);
}
