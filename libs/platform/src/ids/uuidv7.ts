import { randomUUID } from 'node:crypto';

/**
 * A UUIDv7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then random bits. Ids sort by creation
 * time, which keeps B-tree inserts local and makes id order a usable pagination order. The random
 * bits come from `randomUUID()`, whose batched entropy pool is far cheaper than a call per id.
 */
export function uuidv7(now: number = Date.now()): string {
  const random = randomUUID(); // xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx, V already holds the RFC variant
  const time = now.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15, 18)}-${random.slice(19, 23)}-${random.slice(24)}`;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** True for a canonical lower-case UUID string; used to validate ids taken from paths. */
export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}
