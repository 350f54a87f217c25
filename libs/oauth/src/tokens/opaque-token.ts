import { createHash, randomFillSync } from 'node:crypto';

const TOKEN_BYTES = 32;
/** Random bytes for 128 tokens, drawn from the CSPRNG at once: one call per token costs more than the rest of making it. */
const POOL_BYTES = TOKEN_BYTES * 128;
let pool = Buffer.alloc(0);
let used = POOL_BYTES;

/** An opaque bearer credential (access token, refresh token, code): 256 random bits, base64url. Each pool byte serves one token only. */
export function newOpaqueToken(): string {
  if (used === POOL_BYTES) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES));
    used = 0;
  }
  const token = pool.toString('base64url', used, used + TOKEN_BYTES);
  used += TOKEN_BYTES;
  return token;
}

/** What is stored instead of the token: hex SHA-256. */
export function hashOpaqueToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Tokens we issue are exactly 43 base64url characters; anything else is rejected before a lookup. */
export function isWellFormedOpaqueToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}
