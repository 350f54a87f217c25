import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pinoHttp, type HttpLogger } from 'pino-http';
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
 */
export function createRequestLogger(logger: Logger, plane: PlaneName): HttpLogger {
  return pinoHttp({
    logger,
    genReqId: requestIdFor,
    customAttributeKeys: { reqId: 'request_id', responseTime: 'duration_ms' },
    wrapSerializers: false,
    quietReqLogger: true,
    serializers: {
      req: (req: IncomingMessage & { raw?: IncomingMessage }) => {
        const raw = req.raw ?? req;
        const { path, queryKeys } = splitUrl(raw.url);
        const agent = raw.headers['user-agent'];
        return {
          method: raw.method,
          path,
          ...(queryKeys.length > 0 ? { query_keys: queryKeys } : {}),
          remote_address: (raw as { ip?: string }).ip ?? raw.socket?.remoteAddress,
          user_agent: typeof agent === 'string' ? agent.slice(0, 256) : undefined,
        };
      },
      res: (res: ServerResponse & { raw?: ServerResponse }) => ({ status_code: (res.raw ?? res).statusCode }),
      err: pinoHttpErrorSerializer,
    },
    customProps: (req) => ({ tenant: tenantFromPath(plane, splitUrl(req.url).path) }),
    customLogLevel: (req, res, error) => {
      // A 503 from readiness is the probe doing its job (shutdown, outage), not a server error.
      if (splitUrl(req.url).path.startsWith('/health/')) return res.statusCode === 200 ? 'debug' : 'warn';
      if (error || res.statusCode >= 500) return 'error';
      return 'info';
    },
    customSuccessMessage: (req, res) => `${req.method} ${splitUrl(req.url).path} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${splitUrl(req.url).path} ${res.statusCode}`,
  });
}

/** Errors keep their type and message only: stacks and driver details stay out of request lines. */
function pinoHttpErrorSerializer(error: Error): Record<string, unknown> {
  return { type: error.name, message: error.message };
}
