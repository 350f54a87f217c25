/**
 * Errors thrown by services. Each carries a stable machine-readable `code` and a `kind` that
 * the plane's exception filter maps to an HTTP status in one place; services never speak HTTP.
 */
export type ErrorKind =
  | 'invalid_input'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable';

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    /** Safe extra members of the error body (e.g. validation `errors`). Never secrets or submitted values. */
    readonly details?: Readonly<Record<string, unknown>>,
    /** Response headers that belong to the error (WWW-Authenticate, Retry-After). */
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class DatabaseUnavailableError extends DomainError {
  constructor(cause?: unknown) {
    super('unavailable', 'database_unavailable', 'The database is temporarily unavailable; try again shortly.');
    this.cause = cause;
  }
}
