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
  | 'rate_limited'
  | 'unavailable';

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    /** Safe, structured extra detail for the client (e.g. validation issues). Never secrets. */
    readonly details?: Readonly<Record<string, unknown>>,
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
