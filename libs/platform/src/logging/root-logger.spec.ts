import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { createRootLogger } from './root-logger.js';

describe('the root logger', () => {
  it('logs an error with its kind, message, code and stack, but none of the values a driver error carries', () => {
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
    const logger = createRootLogger('info', destination);
    const error = Object.assign(new Error('duplicate key value violates unique constraint "users_email_unique"'), {
      code: '23505',
      detail: 'Key (tenant_id, email)=(0193, ada@example.com) already exists.',
      parameters: ['ada@example.com', 'hash'],
    });
    logger.child({ request_id: 'r1' }).error({ err: error }, 'unhandled error');
    const line = JSON.parse(lines[0]!) as { err: Record<string, unknown> };
    expect(line.err).toEqual({ type: 'Error', message: error.message, code: '23505', stack: error.stack });
    expect(lines[0]).not.toContain('ada@example.com');
  });
});
