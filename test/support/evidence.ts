import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_ID_VARIABLE } from './database-server.js';

/**
 * Everything the server wrote during the run (log lines, audit rows of each test database before
 * it is dropped), kept under .opentrusty/test-evidence/<run> so the global teardown can scan it
 * for secrets (test/support/secret-scan.mjs) after the whole suite has run.
 */
export function evidenceFile(name: string): string {
  const dir = join('.opentrusty', 'test-evidence', process.env[RUN_ID_VARIABLE] ?? 'adhoc');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

export function appendEvidence(name: string, text: string): void {
  if (text.length > 0) appendFileSync(evidenceFile(name), text.endsWith('\n') ? text : `${text}\n`);
}
