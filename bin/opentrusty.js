#!/usr/bin/env node
// The `opentrusty` command. The compiled CLI lives in dist/ (npm run build).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/apps/cli/src/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('opentrusty: dist/ is missing; run `npm run build` first.');
  process.exit(1);
}
await import(entry.href);
