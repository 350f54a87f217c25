import type { Request, Response } from 'express';
import type { ClassifiedError } from './error-classification.js';

/** How one plane writes an error response (problem+json on the admin plane, OAuth JSON on the auth plane). */
export interface ErrorRenderer {
  render(req: Request, res: Response, error: ClassifiedError): void;
}

export function requestIdOf(req: Request): string | undefined {
  const id = (req as Request & { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}
