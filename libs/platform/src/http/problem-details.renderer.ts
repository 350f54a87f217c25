import type { ClassifiedError } from './error-classification.js';
import type { ErrorRenderer, RenderedError } from './error-renderer.js';

export const PROBLEM_JSON = 'application/problem+json';

/** RFC 9457 problem details with OpenTrusty's stable `code` and the request id for support. */
export class ProblemDetailsRenderer implements ErrorRenderer {
  format(error: ClassifiedError, requestId: string | undefined): RenderedError {
    return {
      contentType: PROBLEM_JSON,
      body: JSON.stringify({
        type: `urn:opentrusty:problem:${error.code}`,
        title: error.title,
        status: error.status,
        detail: error.detail,
        code: error.code,
        ...error.details,
        ...(requestId ? { request_id: requestId } : {}),
      }),
    };
  }
}
