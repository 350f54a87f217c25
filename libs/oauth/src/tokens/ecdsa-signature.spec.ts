import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { derToJoseP256 } from './ecdsa-signature.js';

const der = (...bytes: number[][]) => Buffer.from(bytes.flat());
const integer = (value: number[]) => [0x02, value.length, ...value];
const sequence = (...parts: number[][]) => [0x30, parts.flat().length, ...parts.flat()];

describe('derToJoseP256', () => {
  it('gives signatures that verify as R || S, over many random signatures (short and sign-padded integers included)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const lengths = new Set<number>();
    for (let n = 0; n < 600; n++) {
      const data = Buffer.from(`message ${n}`);
      const signature = sign('sha256', data, privateKey);
      lengths.add(signature.length);
      const jose = derToJoseP256(signature);
      expect(jose).toHaveLength(64);
      expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, jose)).toBe(true);
    }
    // DER lengths vary with the integers' leading bytes: both padded (71-72) and unpadded (70) occurred.
    expect(lengths.size).toBeGreaterThan(1);
  });

  it('left-pads short integers and drops the sign byte of long ones', () => {
    const r = [0x00, 0x80, ...Array<number>(31).fill(0x11)]; // 33 bytes: sign byte + 32
    const s = [0x05]; // 1 byte
    const jose = derToJoseP256(der(sequence(integer(r), integer(s))));
    expect(jose.subarray(0, 32)).toEqual(Buffer.from([0x80, ...Array<number>(31).fill(0x11)]));
    expect(jose.subarray(32)).toEqual(Buffer.from([...Array<number>(31).fill(0), 0x05]));
  });

  it('refuses anything that is not exactly one DER sequence of two integers of at most 32 bytes', () => {
    const ok = integer([0x01]);
    for (const bad of [
      der([0x31, 6], ok, ok), // not a sequence
      der([0x30, 7], ok, ok), // length past the end
      der(sequence(ok, ok), [0x00]), // trailing byte
      der(sequence(ok, [0x03, 1, 1])), // not an integer
      der(sequence(ok)), // one integer
      der(sequence(integer(Array<number>(33).fill(0x7f)), ok)), // 33 significant bytes
      der(sequence(integer([]), ok)), // empty integer
      der(sequence(integer([0x80]), ok)), // negative
      der(sequence(integer([0x00]), ok)), // zero
      der(sequence(integer([0x00, 0x01]), ok)), // a leading zero DER forbids
      der([0x30, 0x81, 6], ok, ok), // the long length form, never needed here
    ]) {
      expect(() => derToJoseP256(bad)).toThrow('not a DER ECDSA P-256 signature');
    }
  });
});
