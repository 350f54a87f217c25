import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { AuthorizationPageError, AuthorizationRedirectError } from '#oauth/authorization/authorization-errors.js';
import { withQueryParameters } from '#oauth/authorization/redirect-uri-builder.js';
import { ROOT_LOGGER } from '#platform/config/config.tokens.js';
import { DomainError } from '#platform/errors/domain-error.js';
import { classifyError } from '#platform/http/error-classification.js';
import { requestLog } from '#platform/logging/request-logging.js';
import { sendMessagePage } from './message.page.js';

/**
 * Errors of the browser-facing endpoints (authorize, sign-in, consent, logout) become pages or,
 * once the client's redirect URI is trusted, redirects carrying `error`, `state` and `iss`.
 */
@Catch()
export class PageExceptionFilter implements ExceptionFilter {
  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request>();
    if (res.headersSent) return void res.destroy();
    if (exception instanceof AuthorizationRedirectError) {
      res.redirect(302, withQueryParameters(exception.redirectUri, { error: exception.error, error_description: exception.message, state: exception.state, iss: exception.issuer }));
      return;
    }
    if (exception instanceof AuthorizationPageError) return sendMessagePage(res, exception.status, exception.title, exception.message);
    const classified = classifyError(exception);
    if (classified.unexpected) requestLog(req, this.logger).error({ err: exception }, 'unhandled error');
    const title = classified.status === 404 ? 'Not found' : classified.status === 503 ? 'Temporarily unavailable' : classified.status >= 500 ? 'Something went wrong' : 'This request cannot be completed';
    const message = exception instanceof DomainError || exception instanceof HttpException ? classified.detail : 'Please try again later.';
    if (classified.status === 503) res.setHeader('Retry-After', '5');
    sendMessagePage(res, classified.status, title, message);
  }
}
