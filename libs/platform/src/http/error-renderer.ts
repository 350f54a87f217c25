import type { Request, Response } from 'express';
import type { ClassifiedError } from './error-classification.js';

export interface RenderedError {
  readonly contentType: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * How one plane spells an error (problem+json on the admin plane, OAuth JSON on the auth plane).
 * `format` is also used where there is no Express response yet (malformed HTTP at the socket).
 */
export interface ErrorRenderer {
  /** `path` is the request's path when there is a request (it lets a plane answer its pages in HTML). */
  format(error: ClassifiedError, requestId: string | undefined, path?: string): RenderedError;
}

export function requestIdOf(req: Request): string | undefined {
  const id = (req as Request & { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}

/** Writes a classified error on an Express response in the plane's format. */
export function renderError(renderer: ErrorRenderer, req: Request, res: Response, error: ClassifiedError): void {
  if (error.status === 503) res.setHeader('Retry-After', '5');
  for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
  const { contentType, body, headers } = renderer.format(error, requestIdOf(req), req.path);
  if (headers) res.set(headers);
  res.status(error.status).type(contentType).send(body);
}
