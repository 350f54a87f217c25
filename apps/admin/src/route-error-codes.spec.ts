import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '#database/project-root.js';

/** Every TypeScript source under a folder, tests aside. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/**
 * The admin routes declare the problem codes they may answer with each code's kind (hence its
 * HTTP status in the OpenAPI document). The kind is a copy of what the code that throws the
 * error says; this keeps the copies true.
 */
describe('error codes declared by admin routes', () => {
  const root = projectRoot();
  const files = [...sources(join(root, 'apps')), ...sources(join(root, 'libs'))].map((path) => ({ path, text: readFileSync(path, 'utf8') }));

  const thrown = new Map<string, Set<string>>();
  for (const { text } of files) {
    for (const [, kind, code] of text.matchAll(/(?:new DomainError|super)\(\s*'([a-z_]+)',\s*'([a-z_]+)'/g)) {
      thrown.set(code!, (thrown.get(code!) ?? new Set()).add(kind!));
    }
  }
  const declared = files.flatMap(({ path, text }) =>
    [...text.matchAll(/errors: \{([^}]*)\}/g)].flatMap(([, body]) =>
      [...body!.matchAll(/([a-z_]+): '([a-z_]+)'/g)].map(([, code, kind]) => ({ path: path.slice(root.length + 1), code: code!, kind: kind! })),
    ),
  );

  it('finds the declarations and the errors (the patterns still match the code)', () => {
    expect(declared.length).toBeGreaterThan(15);
    expect(thrown.size).toBeGreaterThan(20);
  });

  it('declares every code with the kind it is thrown with', () => {
    const wrong = declared.filter(({ code, kind }) => !(thrown.get(code)?.size === 1 && thrown.get(code)!.has(kind)));
    expect(wrong.map(({ path, code, kind }) => `${path}: ${code} declared ${kind}, thrown as ${[...(thrown.get(code) ?? ['nothing'])].join(' or ')}`)).toEqual([]);
  });
});
