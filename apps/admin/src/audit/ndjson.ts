import type { Request, Response } from 'express';
import { ValidationError } from '#platform/api/validation.js';

export const NDJSON = 'application/x-ndjson';

/** Characters per write of an export (see writeLines). */
const CHUNK_CHARS = 32 * 1024;

/**
 * Whether the client asked for newline-delimited JSON rather than a JSON page (`Accept:
 * application/x-ndjson`). Either way the answer depends on Accept, which `Vary` says.
 */
export function wantsNdjson(req: Request, res: Response): boolean {
  res.vary('Accept');
  return req.accepts(['application/json', NDJSON]) === NDJSON;
}

/** An export is the whole filtered range: page parameters have no meaning there, so they are refused rather than ignored. */
export function refusePagingInExport(query: { readonly limit?: unknown; readonly cursor?: unknown }): void {
  const given = (['limit', 'cursor'] as const).filter((name) => query[name] !== undefined);
  if (given.length > 0) {
    throw new ValidationError(given.map((name) => ({ location: 'query', path: name, message: 'not used by an NDJSON export, which returns the whole filtered range' })));
  }
}

/**
 * Streams `batches` of JSON texts (each one line: no raw newline inside) as NDJSON, holding no
 * more than one batch: the next batch is asked for only once the previous one has been handed to
 * the socket (waiting for 'drain' when its buffer is full), and never again once the client has
 * gone.
 *
 * The first batch is read before anything is sent, so a failure there is an ordinary error
 * answer. A failure after that propagates to the exception filter, which destroys the response:
 * the client sees a truncated transfer, never a clean end of a partial export.
 */
export async function sendNdjson(res: Response, batches: AsyncIterable<readonly string[]>): Promise<void> {
  if (res.req.method === 'HEAD') {
    // Node discards a HEAD response's body without ever pushing back: reading would run the whole export for nothing.
    res.status(200).setHeader('Content-Type', NDJSON).setHeader('Cache-Control', 'no-store');
    res.end();
    return;
  }
  const iterator = batches[Symbol.asyncIterator]();
  let finished = false;
  let closed = false;
  const onClose = () => (closed = true);
  res.once('close', onClose);
  const isGone = () => closed || res.destroyed || res.writableEnded;
  try {
    let next = await iterator.next();
    res.status(200);
    res.setHeader('Content-Type', NDJSON);
    res.setHeader('Cache-Control', 'no-store');
    while (!next.done) {
      if (isGone()) return;
      if (!writeLines(res, next.value)) await drained(res);
      if (isGone()) return;
      next = await iterator.next();
    }
    finished = true;
    res.end();
  } finally {
    res.off('close', onClose);
    // A client that left (or a failure) stops the reading: the source finishes without another statement.
    if (!finished) await iterator.return?.(undefined);
  }
}

/**
 * Writes one batch in pieces of about CHUNK_CHARS: pieces that small stay in V8's young
 * generation and die young, where one string of a whole batch (hundreds of KiB) would be a large
 * object that only a full garbage collection frees. False when the socket's buffer is full.
 * (No cork(): a corked response buffers chunks without ever asking for 'drain'.)
 */
function writeLines(res: Response, lines: readonly string[]): boolean {
  let ok = true;
  let chunk = '';
  for (const line of lines) {
    chunk += `${line}\n`;
    if (chunk.length >= CHUNK_CHARS) {
      ok = res.write(chunk);
      chunk = '';
    }
  }
  if (chunk.length > 0) ok = res.write(chunk);
  return ok;
}

/** Resolves when the socket wants more, or when the response is over (the client left). */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
