import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The development data folder (.opentrusty/ by default). It holds the embedded PostgreSQL
 * cluster and the secrets generated for it, each readable by its owner only. The folder itself
 * is traversable (0711) so that PostgreSQL, running as the `postgres` OS user when we are root,
 * can reach its own data directory inside it.
 */
export function ensureDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o711 });
  chmodSync(dataDir, 0o711);
}

/** Reads a secret file, creating it with fresh random bytes on first use. */
export function readOrCreateSecret(dataDir: string, fileName: string, bytes: number, encoding: 'base64' | 'hex'): string {
  const path = join(dataDir, fileName);
  if (existsSync(path)) {
    const value = readFileSync(path, 'utf8').trim();
    if (value.length > 0) return value;
  }
  const value = randomBytes(bytes).toString(encoding);
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return value;
}
