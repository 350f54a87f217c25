import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Scans everything the server wrote during a test run (log lines and audit rows, gathered under
 * .opentrusty/test-evidence/<run>) for secrets that must never be written (SPEC §2, §7):
 * passwords, client secrets, tokens, codes, session and CSRF tokens (all 43-character base64url
 * values here), authorization headers, cookies and password hashes. Key ids (`kid`, `kids`) are
 * public thumbprints of the same shape, and migration names (`migrations`) are class names that
 * can happen to be 43 characters long; they are the only such values allowed.
 */
const OPAQUE = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/;
const PATTERNS = [
  ['authorization header', /\b(Bearer|Basic) [A-Za-z0-9+/=._~-]{8,}/],
  ['cookie', /opentrusty_(admin|session|browser)=[A-Za-z0-9_-]+/],
  ['password hash', /\$argon2(id|i|d)\$/],
  ['test password', /correct-horse-battery-staple/],
];

export function scanEvidence(dir) {
  const leaks = [];
  let scanned = 0;
  for (const file of safeList(dir)) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      scanned++;
      for (const [kind, pattern] of PATTERNS) if (pattern.test(line)) leaks.push(`${kind} in ${file}: ${line.slice(0, 300)}`);
      let value;
      try {
        value = JSON.parse(line);
      } catch {
        continue;
      }
      for (const string of stringsOutsideKeyIds(value)) if (OPAQUE.test(string)) leaks.push(`opaque secret in ${file}: ${line.slice(0, 300)}`);
    }
  }
  return { scanned, leaks };
}

function* stringsOutsideKeyIds(value, key) {
  if (key === 'kid' || key === 'kids' || key === 'migrations') return;
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const item of value) yield* stringsOutsideKeyIds(item, key);
  else if (value && typeof value === 'object') for (const [name, inner] of Object.entries(value)) yield* stringsOutsideKeyIds(inner, name);
}

function safeList(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export function removeEvidence(dir) {
  rmSync(dir, { recursive: true, force: true });
}
