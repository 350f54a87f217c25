import { type KeyObject, sign } from 'node:crypto';
import type { SigningAlgorithm } from '../keys/signing-key.entity.js';
import { derToJoseP256 } from './ecdsa-signature.js';

/**
 * JWS Compact Serialization (RFC 7515 §3.1, §7.1) of a JSON payload, signed with RS256
 * (RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518 §3.3) or ES256 (ECDSA P-256 with SHA-256, its
 * signature as R || S, RFC 7518 §3.4). An ECDSA signature takes tens of microseconds and is made
 * in place, in DER and then converted; an RSA one takes about a millisecond and is made on the
 * thread pool, off the event loop.
 */
export async function signCompactJws(alg: SigningAlgorithm, header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): Promise<string> {
  const signingInput = `${base64url(JSON.stringify({ ...header, alg }))}.${base64url(JSON.stringify(payload))}`;
  const data = Buffer.from(signingInput, 'ascii');
  const signature = alg === 'ES256' ? derToJoseP256(sign('sha256', data, key)) : await signOnThreadPool(data, key);
  return `${signingInput}.${signature.toString('base64url')}`;
}

function signOnThreadPool(data: Buffer, key: KeyObject): Promise<Buffer> {
  return new Promise((resolve, reject) => sign('sha256', data, key, (error, signature) => (error ? reject(error) : resolve(signature))));
}

function base64url(json: string): string {
  return Buffer.from(json, 'utf8').toString('base64url');
}
