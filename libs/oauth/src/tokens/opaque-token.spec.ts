import { describe, expect, it } from '@jest/globals';
import { hashOpaqueToken, isWellFormedOpaqueToken, newOpaqueToken } from './opaque-token.js';

describe('opaque tokens', () => {
  it('are 256 random bits, never the same twice, also across refills of the random pool', () => {
    const tokens = Array.from({ length: 1_000 }, () => newOpaqueToken());
    expect(new Set(tokens).size).toBe(tokens.length);
    for (const token of tokens) {
      expect(isWellFormedOpaqueToken(token)).toBe(true);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    }
    // Not a counter or a repeated block: the bits are spread evenly.
    const ones = tokens.reduce((count, token) => count + [...Buffer.from(token, 'base64url')].reduce((bits, byte) => bits + byte.toString(2).replaceAll('0', '').length, 0), 0);
    expect(ones / (tokens.length * 256)).toBeCloseTo(0.5, 1);
  });

  it('are stored as hex SHA-256', () => {
    expect(hashOpaqueToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
