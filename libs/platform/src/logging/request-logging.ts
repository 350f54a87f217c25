import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Request, RequestHandler, Response } from 'express';
import type { Level, Logger } from 'pino';
import { uuidv7 } from '../ids/uuidv7.js';

export type PlaneName = 'auth' | 'admin';

const INCOMING_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const AUTH_TENANT = /^\/t\/([a-z0-9][a-z0-9-]{1,61}[a-z0-9])(?:\/|$)/;
const WELL_KNOWN_TENANT = /^\/\.well-known\/[a-z-]+\/t\/([a-z0-9][a-z0-9-]{1,61}[a-z0-9])$/;
const ADMIN_TENANT = /^\/api\/v1\/tenants\/([0-9a-f-]{36})(?:\/|$)/;

/** The request id: the caller's X-Request-Id when it is short and plain, otherwise a new UUIDv7. */
export function requestIdFor(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && INCOMING_REQUEST_ID.test(incoming) ? incoming : uuidv7();
  res.setHeader('X-Request-Id', id);
  return id;
}

/** The tenant a request is about, read from its path (slug on the auth plane, id on the admin plane). */
export function tenantFromPath(plane: PlaneName, path: string): string | undefined {
  if (plane === 'auth') return AUTH_TENANT.exec(path)?.[1] ?? WELL_KNOWN_TENANT.exec(path)?.[1];
  return ADMIN_TENANT.exec(path)?.[1];
}

function splitUrl(url: string | undefined): { path: string; queryKeys: string[] } {
  const raw = url ?? '/';
  const index = raw.indexOf('?');
  if (index < 0) return { path: raw, queryKeys: [] };
  // Query values can hold tokens (id_token_hint) or personal data (login_hint): log names only.
  const keys = [...new URLSearchParams(raw.slice(index + 1)).keys()].map((key) => key.slice(0, 64));
  return { path: raw.slice(0, index), queryKeys: [...new Set(keys)].slice(0, 20) };
}

/**
 * One JSON line per request: id, plane, tenant, method, path (no query values), status,
 * duration. Headers and bodies are never serialized. Health probes log at debug unless failing.
 * Nothing is built for a line whose level is disabled: at `warn`, a successful request costs a
 * request id and a listener.
 */
export function createRequestLogger(logger: Logger, plane: PlaneName): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    const id = requestIdFor(req, res);
    (req as Request & { id?: string }).id = id;
    res.once('close', () => logCompletedRequest(logger, plane, req, res, id, started));
    next();
  };
}

function logCompletedRequest(logger: Logger, plane: PlaneName, req: Request, res: Response, id: string, started: number): void {
  const { path, queryKeys } = splitUrl(req.originalUrl);
  const aborted = !res.writableFinished;
  // A request the client abandoned before any answer has no status; 200 would be a lie.
  const status = res.headersSent ? res.statusCode : null;
  const level = levelFor(path, res.statusCode, aborted);
  if (!logger.isLevelEnabled(level)) return;
  const agent = req.headers['user-agent'];
  logger[level](
    {
      request_id: id,
      tenant: tenantFromPath(plane, path),
      req: {
        method: req.method,
        path,
        ...(queryKeys.length > 0 ? { query_keys: queryKeys } : {}),
        remote_address: req.ip ?? req.socket?.remoteAddress,
        user_agent: typeof agent === 'string' ? agent.slice(0, 256) : undefined,
      },
      res: { status_code: status },
      duration_ms: Math.round((performance.now() - started) * 10) / 10,
      ...(aborted ? { aborted: true } : {}),
    },
    `${req.method} ${path} ${status ?? '-'}${aborted ? ' (aborted)' : ''}`,
  );
}

function levelFor(path: string, status: number, aborted: boolean): Level {
  // A 503 from readiness is the probe doing its job (shutdown, outage), not a server error.
  if (path.startsWith('/health/')) return status === 200 && !aborted ? 'debug' : 'warn';
  if (status >= 500) return 'error';
  return aborted ? 'warn' : 'info';
}

/** The request's logger for error lines, tagged with its request id. */
export function requestLog(req: Request, logger: Logger): Logger {
  const id = (req as Request & { id?: string }).id;
  return id ? logger.child({ request_id: id }) : logger;
}
