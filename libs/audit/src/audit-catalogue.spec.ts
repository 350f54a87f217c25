import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AUDIT_ACTIONS } from './audit-actions.js';
import { renderAuditCatalogue } from './audit-catalogue.js';

describe('the audit action catalogue', () => {
  it('matches docs/audit-events.md (run `npm run docs:audit` after changing an action)', () => {
    expect(readFileSync(new URL('../../../docs/audit-events.md', import.meta.url), 'utf8')).toBe(renderAuditCatalogue());
  });

  it('lists exactly the actions the code records, and the code records only listed actions', () => {
    const root = new URL('../../../', import.meta.url).pathname;
    const sources = ['apps', 'libs'].flatMap((dir) => filesUnder(join(root, dir))).filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'));
    const used = new Set<string>();
    for (const file of sources) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/action: '([a-z_]+(?:\.[a-z_]+)+)'/g)) used.add(match[1]!);
      for (const match of text.matchAll(/'client', client_id::text, '([a-z_.]+)'/g)) used.add(match[1]!);
      for (const match of text.matchAll(/'(tenant\.(?:suspended|reactivated)|consent\.(?:granted|denied))'/g)) used.add(match[1]!);
    }
    const catalogued = Object.keys(AUDIT_ACTIONS).sort();
    expect([...used].filter((action) => !catalogued.includes(action))).toEqual([]);
    // Actions of features recorded elsewhere (audit reads) are checked by their own tests.
    expect(catalogued.filter((action) => !used.has(action) && !action.startsWith('audit.'))).toEqual([]);
  });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}
