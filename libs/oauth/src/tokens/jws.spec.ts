import { describe, expect, it } from '@jest/globals';
import { createPrivateKey } from 'node:crypto';
import { compactVerify, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { generateSigningKey } from '../keys/key-material.js';
import { signCompactJws } from './jws.js';

describe('signCompactJws', () => {
  for (const alg of ['RS256', 'ES256'] as const) {
    it(`makes a ${alg} JWT that an independent implementation (jose) verifies with the public key`, async () => {
      const material = await generateSigningKey(alg);
      const key = createPrivateKey({ key: material.privateJwk as never, format: 'jwk' });
      const jwt = await signCompactJws(alg, { kid: material.kid, typ: 'JWT' }, { iss: 'https://idp.example/t/acme', sub: 'user-1', aud: 'client-1', exp: 2_000_000_000, iat: 1_900_000_000, name: 'Zoë' }, key);

      expect(decodeProtectedHeader(jwt)).toEqual({ alg, kid: material.kid, typ: 'JWT' });
      const { payload } = await jwtVerify(jwt, await importJWK(material.publicJwk, alg), { currentDate: new Date(1_950_000_000_000) });
      expect(payload).toEqual({ iss: 'https://idp.example/t/acme', sub: 'user-1', aud: 'client-1', exp: 2_000_000_000, iat: 1_900_000_000, name: 'Zoë' });
      // ES256 signatures are R || S, 64 bytes (RFC 7518 §3.4), not DER; RS256 ones are as long as the 2048-bit modulus.
      expect(Buffer.from(jwt.split('.')[2]!, 'base64url')).toHaveLength(alg === 'ES256' ? 64 : 256);
    });
  }

  it('makes a signature that fails verification once the payload is changed', async () => {
    const material = await generateSigningKey('ES256');
    const jwt = await signCompactJws('ES256', { kid: material.kid }, { sub: 'a' }, createPrivateKey({ key: material.privateJwk as never, format: 'jwk' }));
    const [header, , signature] = jwt.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: 'b' })).toString('base64url')}.${signature}`;
    await expect(compactVerify(forged, await importJWK(material.publicJwk, 'ES256'))).rejects.toThrow(/signature verification failed/);
  });
});
