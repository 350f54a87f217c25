/**
 * An ECDSA P-256 signature as OpenSSL returns it, DER `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER,
 * s INTEGER }`, turned into the JWS form, R || S with each integer as 32 big-endian bytes (RFC 7518
 * §3.4). Node can produce that form itself (`dsaEncoding: 'ieee-p1363'`), but signing through an
 * options object costs twice the signature's own time (about 30 µs on the benchmark machine).
 */
const P256_INTEGER_BYTES = 32;

export function derToJoseP256(der: Buffer): Buffer {
  let offset = 0;
  const expect = (condition: boolean) => {
    if (!condition) throw new Error('not a DER ECDSA P-256 signature');
  };
  // A P-256 signature is at most 72 bytes, so every DER length has the short form.
  const readLength = (): number => {
    const length = der[offset++]!;
    expect(length < 0x80);
    return length;
  };
  // A DER INTEGER holding r or s: positive, minimal, non-zero, at most 32 bytes of magnitude.
  const readInteger = (): Buffer => {
    expect(der[offset++] === 0x02);
    const length = readLength();
    const value = der.subarray(offset, offset + length);
    offset += length;
    expect(value.length === length && length > 0);
    expect(value[0]! < 0x80);
    const signPadded = value[0] === 0 && length > 1;
    expect(!signPadded || value[1]! >= 0x80);
    const magnitude = signPadded ? value.subarray(1) : value;
    expect(magnitude.length <= P256_INTEGER_BYTES && magnitude.some((byte) => byte !== 0));
    return magnitude;
  };

  expect(der[offset++] === 0x30);
  const sequenceLength = readLength();
  expect(offset + sequenceLength === der.length);
  const r = readInteger();
  const s = readInteger();
  expect(offset === der.length);
  const jose = Buffer.alloc(2 * P256_INTEGER_BYTES);
  r.copy(jose, P256_INTEGER_BYTES - r.length);
  s.copy(jose, 2 * P256_INTEGER_BYTES - s.length);
  return jose;
}
