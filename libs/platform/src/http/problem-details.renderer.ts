import type { Request, Response } from 'express';
import type { ClassifiedError } from './error-classification.js';
import { type ErrorRenderer, requestIdOf } from './error-renderer.js';

export const PROBLEM_JSON = 'application/problem+json';

/** RFC 9457 problem details with OpenTrusty's stable `code` and the request id for support. */
export class ProblemDetailsRenderer implements ErrorRenderer {
  render(req: Request, res: Response, error: ClassifiedError): void {
    if (error.status === 503) res.setHeader('Retry-After', '5');
    res
      .status(error.status)
      .type(PROBLEM_JSON)
      .send(
        JSON.stringify({
          type: `urn:opentrusty:problem:${error.code}`,
          title: error.title,
          status: error.status,
          detail: error.detail,
          code: error.code,
          ...error.details,
          request_id: requestIdOf(req),
        }),
      );
  }
}
