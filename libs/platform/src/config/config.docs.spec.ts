import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { CONFIG_SCHEMA } from './config.schema.js';

describe('the README configuration table', () => {
  it('documents exactly the variables the schema reads', () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Health probes'));
    const documented = [...section.matchAll(/^\| `(OPENTRUSTY_[A-Z0-9_]+)` \|/gm)].map((match) => match[1]).sort();
    expect(documented).toEqual(Object.keys(CONFIG_SCHEMA.shape).sort());
  });
});
