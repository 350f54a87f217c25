import { DomainError } from '../errors/domain-error.js';
import { isUuid } from '../ids/uuidv7.js';

/** One page of a keyset-paginated list (SPEC §6): `next_cursor` is null on the last page. */
export interface Page<T> {
  readonly items: T[];
  readonly next_cursor: string | null;
}

export interface PageRequest {
  readonly limit: number;
  /** The id after which the page starts (ids are UUIDv7, so id order is creation order). */
  readonly after: string | undefined;
}

/** Cursors are opaque to clients: base64url of the last id of the previous page. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const id = /^[A-Za-z0-9_-]{1,64}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!isUuid(id)) throw new DomainError('invalid_input', 'invalid_cursor', 'The cursor is not one this API returned.');
  return id;
}

/** Fetch `limit + 1` rows, then call this: the extra row only tells whether another page exists. */
export function toPage<Row extends { id: string }, Item>(rows: Row[], limit: number, present: (row: Row) => Item): Page<Item> {
  const visible = rows.slice(0, limit);
  const last = visible.at(-1);
  return { items: visible.map(present), next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null };
}
