import type { NextFunction, Request, Response } from 'express';
import { DomainError } from '#platform/errors/domain-error.js';

/**
 * The admin API speaks JSON only: a request body of any other type is refused with 415 before
 * routing. Besides clarity, this keeps cross-site HTML forms (which cannot send JSON) out.
 */
export function jsonBodiesOnly(req: Request, _res: Response, next: NextFunction): void {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is(['application/json', 'application/*+json'])) {
    next(new DomainError('unsupported_media_type', 'unsupported_media_type', 'Send request bodies as application/json.'));
    return;
  }
  next();
}
