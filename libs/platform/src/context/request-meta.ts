import { AsyncLocalStorage } from 'node:async_hooks';

/** Who and where a request came from, for the audit trail (never secrets). */
export interface RequestMeta {
  readonly requestId: string | undefined;
  readonly ip: string | undefined;
  readonly userAgent: string | undefined;
}

const storage = new AsyncLocalStorage<RequestMeta>();

/** Runs the rest of a request with its metadata available to any code it calls. */
export function runWithRequestMeta<T>(meta: RequestMeta, work: () => T): T {
  return storage.run(meta, work);
}

/** The current request's metadata, or an empty one outside requests (commands, background jobs). */
export function currentRequestMeta(): RequestMeta {
  return storage.getStore() ?? { requestId: undefined, ip: undefined, userAgent: undefined };
}
