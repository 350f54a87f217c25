// Writes docs/audit-events.md from the compiled action catalogue (`npm run docs:audit` builds first).
import { writeFileSync } from 'node:fs';
import { renderAuditCatalogue } from '../dist/libs/audit/src/audit-catalogue.js';

const path = new URL('../docs/audit-events.md', import.meta.url);
writeFileSync(path, renderAuditCatalogue());
process.stdout.write(`wrote ${path.pathname}\n`);
