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
  readonly headers?: Readonly<Record<string, string>>;
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
  431: 'Request Header Fields Too Large',
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
  431: 'headers_too_large',
};

/** Malformed HTTP caught by Node before Express sees a request (oversized headers, bad syntax). */
export function classifyClientError(error: { code?: unknown }): ClassifiedError {
  return error.code === 'HPE_HEADER_OVERFLOW'
    ? known(431, 'headers_too_large', 'The request line or headers are too large.')
    : known(400, 'malformed_request', 'The request is not valid HTTP.');
}

export function titleFor(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Request Error');
}

/** Body-parser failures, raised before any route runs, carry a `type` instead of a class. */
function classifyBodyParserError(error: { type?: unknown; status?: unknown; expose?: unknown }): ClassifiedError | undefined {
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
      // Other client errors raised while reading the body (e.g. a compressed body that does not
      // inflate) are http-errors with a 4xx status and `expose`: the body was unreadable.
      if (error.expose === true && typeof error.status === 'number' && error.status >= 400 && error.status < 500) {
        return error.status === 400
          ? known(400, 'malformed_body', 'The request body could not be read.')
          : known(error.status, CODE_BY_STATUS[error.status] ?? 'invalid_request', titleFor(error.status));
      }
      return undefined;
  }
}

/** SQLSTATEs that only bad input can cause (a NUL byte in text, malformed text for a type). */
const INPUT_SQLSTATES = new Set(['22021', '22P02', '08P01', '22001']);

function sqlStateOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const code = (current as { code?: unknown; sqlState?: unknown }).sqlState ?? (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function known(status: number, code: string, detail: string, details?: Readonly<Record<string, unknown>>): ClassifiedError {
  return { status, code, title: titleFor(status), detail, details, unexpected: false };
}

export function classifyError(error: unknown): ClassifiedError {
  if (error instanceof DomainError) {
    const status = STATUS_BY_KIND[error.kind];
    return {
      status,
      code: error.code,
      title: titleFor(status),
      detail: error.message,
      details: error.details,
      headers: error.headers,
      unexpected: status >= 500 && error.kind !== 'unavailable',
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status >= 500) return { ...known(500, 'internal_error', 'An unexpected error occurred.'), unexpected: true };
    // Framework messages can quote the request (a path segment that does not decode): never echo them.
    return known(status, CODE_BY_STATUS[status] ?? 'invalid_request', status === 404 ? 'No such resource.' : `${titleFor(status)}.`);
  }
  if (error && typeof error === 'object') {
    const fromParser = classifyBodyParserError(error as { type?: unknown });
    if (fromParser) return fromParser;
  }
  // A race lost to a concurrent request on a unique key: the same answer as a checked conflict.
  if (error instanceof Error && error.name === 'UniqueConstraintViolationException') {
    return known(409, 'conflict', 'The request conflicts with the current state of the resource.');
  }
  const sqlState = sqlStateOf(error);
  if (sqlState && INPUT_SQLSTATES.has(sqlState)) {
    return known(400, 'invalid_request', 'The request contains a value the server cannot store or compare.');
  }
  if (isDatabaseUnavailable(error)) {
    return known(503, 'database_unavailable', 'The database is temporarily unavailable; try again shortly.');
  }
  return { ...known(500, 'internal_error', 'An unexpected error occurred.'), unexpected: true };
}
