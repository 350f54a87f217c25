/**
 * Recognises an error that means "the database cannot be reached right now" (as opposed to a
 * bug or a constraint violation), so callers answer 503 instead of 500. It walks the cause
 * chain because the ORM and the driver wrap each other's errors.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
// SQLSTATE class 08 (connection exception), admin/crash shutdown, cannot connect now, too many connections.
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const DRIVER_MESSAGES = [
  'timeout exceeded when trying to connect',
  'connection terminated',
  'connection timeout',
  'client has encountered a connection error',
  'cannot use a pool after calling end',
];

export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const candidate = current as { code?: unknown; sqlState?: unknown; message?: unknown; name?: unknown; cause?: unknown };
    const code = typeof candidate.code === 'string' ? candidate.code : typeof candidate.sqlState === 'string' ? candidate.sqlState : '';
    // Class 08 is "connection exception", except 08P01 (protocol violation), which bad input causes.
    if (NETWORK_CODES.has(code) || SQLSTATES.has(code) || (code.startsWith('08') && code !== '08P01')) return true;
    if (candidate.name === 'ConnectionException') return true;
    const message = typeof candidate.message === 'string' ? candidate.message.toLowerCase() : '';
    if (DRIVER_MESSAGES.some((fragment) => message.includes(fragment))) return true;
    if (current instanceof AggregateError && current.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
    current = candidate.cause;
  }
  return false;
}
