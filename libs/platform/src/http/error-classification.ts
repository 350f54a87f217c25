import { HttpException } from '@nestjs/common';
import { DomainError } from '../errors/domain-error.js';
import { isDatabaseUnavailable } from '../errors/database-unavailable.js';
import { STATUS_BY_KIND } from '../errors/error-kind-status.js';

/** What a plane needs to answer any failure: status, a stable code, a safe message. */
export interface ClassifiedError {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly details?: Readonly<Record<string, unknown>>;
  /** True for failures that are ours (5xx): logged with the error, never shown to the client. */
  readonly unexpected: boolean;
}

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'invalid_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

export function titleFor(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Request Error');
}

/** Body-parser failures, raised before any route runs, carry a `type` instead of a class. */
function classifyBodyParserError(error: { type?: unknown; status?: unknown }): ClassifiedError | undefined {
  switch (error.type) {
    case 'entity.parse.failed':
      return known(400, 'malformed_body', 'The request body is not valid for its Content-Type.');
    case 'entity.too.large':
      return known(413, 'payload_too_large', 'The request body is too large.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return known(415, 'unsupported_media_type', 'The request body encoding or charset is not supported.');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'parameters.too.many':
      return known(400, 'malformed_body', 'The request body could not be read.');
    default:
      return undefined;
  }
}

function known(status: number, code: string, detail: string, details?: Readonly<Record<string, unknown>>): ClassifiedError {
  return { status, code, title: titleFor(status), detail, details, unexpected: false };
}

export function classifyError(error: unknown): ClassifiedError {
  if (error instanceof DomainError) {
    const status = STATUS_BY_KIND[error.kind];
    return { status, code: error.code, title: titleFor(status), detail: error.message, details: error.details, unexpected: status >= 500 && error.kind !== 'unavailable' };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status >= 500) return { ...known(500, 'internal_error', 'An unexpected error occurred.'), unexpected: true };
    const detail = status === 404 ? 'No such resource.' : error.message;
    return known(status, CODE_BY_STATUS[status] ?? 'invalid_request', detail);
  }
  if (error && typeof error === 'object') {
    const fromParser = classifyBodyParserError(error as { type?: unknown });
    if (fromParser) return fromParser;
  }
  // A race lost to a concurrent request on a unique key: the same answer as a checked conflict.
  if (error instanceof Error && error.name === 'UniqueConstraintViolationException') {
    return known(409, 'conflict', 'The request conflicts with the current state of the resource.');
  }
  if (isDatabaseUnavailable(error)) {
    return known(503, 'database_unavailable', 'The database is temporarily unavailable; try again shortly.');
  }
  return { ...known(500, 'internal_error', 'An unexpected error occurred.'), unexpected: true };
}
