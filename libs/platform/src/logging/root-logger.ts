import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Paths censored in every log line, as a second line of defence: request serializers already
 * leave headers and bodies out, but a careless `logger.info({ ...input })` must not leak either.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  ...['password', 'new_password', 'current_password', 'client_secret', 'secret', 'token', 'access_token', 'refresh_token', 'id_token', 'code_verifier', 'session', 'cookie', 'authorization', 'keyEncryptionKey', 'databaseUrl', 'url']
    .flatMap((key) => [key, `*.${key}`]),
];

export function createRootLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'opentrusty' },
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: errorForLog },
    },
    destination,
  );
}

/**
 * An error as it is logged: its kind, message, code and stack, which say what failed and where.
 * Not its other properties: a driver error carries the values that violated a constraint
 * (`detail`: "Key (email)=(ada@example.com) already exists"), the statement and its parameters.
 */
export function errorForLog(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { type: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}), stack: error.stack };
}
