import { createHash, randomBytes } from 'node:crypto';

/**
 * Plain HTTP helpers for protocol tests that must send exactly what a test says (foreign
 * cookies, another tenant's credentials, malformed input), with no relying-party library in
 * between and no redirect followed.
 */

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The Location header, resolved against the request URL; undefined when there is none. */
  readonly location: string | undefined;
}

/** The body parsed as JSON (throws a readable error when it is not JSON). */
export function jsonOf(answer: HttpAnswer): Record<string, unknown> {
  try {
    return JSON.parse(answer.text) as Record<string, unknown>;
  } catch {
    throw new Error(`expected a JSON body, got HTTP ${answer.status} ${answer.headers.get('content-type')}: ${answer.text.slice(0, 300)}`);
  }
}

/** `Authorization: Basic` for client_secret_basic (RFC 6749 §2.3.1: both parts form-urlencoded first). */
export function basicAuthorization(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export async function httpGet(url: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return send(url, { method: 'GET', headers });
}

/** POSTs `fields` as application/x-www-form-urlencoded. */
export async function postForm(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return send(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });
}

/** Any request, exactly as given; redirects are not followed. */
export async function send(url: string, init: RequestInit): Promise<HttpAnswer> {
  const response = await fetch(url, { ...init, redirect: 'manual' });
  const location = response.headers.get('location');
  return { status: response.status, headers: response.headers, text: await response.text(), location: location ? new URL(location, url).toString() : undefined };
}

export interface PkcePair {
  readonly verifier: string;
  readonly challenge: string;
}

/** A fresh RFC 7636 verifier and its S256 challenge. */
export function newPkcePair(): PkcePair {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier, 'ascii').digest('base64url') };
}

/** `{issuer}/authorize?...` for a code + PKCE request; `overrides` replace or add parameters. */
export function authorizeUrl(issuer: string, clientId: string, redirectUri: string, pkce: PkcePair, overrides: Record<string, string> = {}): string {
  const parameters = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: 'openid profile',
    state: randomBytes(8).toString('hex'),
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    ...overrides,
  });
  return `${issuer}/authorize?${parameters.toString()}`;
}
