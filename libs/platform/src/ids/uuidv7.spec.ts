import { describe, expect, it } from '@jest/globals';
import { isUuid, uuidv7 } from './uuidv7.js';

describe('uuidv7', () => {
  it('produces RFC 9562 version 7 UUIDs carrying the creation time', () => {
    const now = Date.UTC(2026, 10, 29, 12, 0, 0);
    const id = uuidv7(now);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(now);
    expect(isUuid(id)).toBe(true);
  });

  it('sorts by creation time and never repeats', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => uuidv7(1_700_000_000_000 + i));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(Array.from({ length: 10_000 }, () => uuidv7())).size).toBe(10_000);
  });

  it('rejects anything that is not a canonical UUID', () => {
    for (const value of ['', 'abc', '0193A0E8-0000-7000-8000-000000000001', '0193a0e8-0000-7000-8000-00000000000', '0193a0e8-0000-7000-c000-000000000001']) {
      expect(isUuid(value)).toBe(false);
    }
  });
});
