import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import pg from 'pg';
import { PASSWORD, seedTenant, seedUser } from '../support/admin-api.js';
import { seedClient, type SeededClient } from '../support/oauth-clients.js';
import { authorizeUrl, newPkcePair } from '../support/oauth-http.js';
import { type ListeningPlanes, startListeningPlanes } from '../support/test-planes.js';
import { createMigratedDatabase, type TestDatabase } from '../support/test-database.js';
import { hiddenField, UserAgent } from '../support/user-agent.js';

/**
 * SPEC §9 "Bad input" on the browser-facing endpoints of an issuer: the sign-in page, the consent
 * page and logout (GET and POST). fast-check sends them forms and queries that are wrong by
 * construction (random, oversized, hostile or repeated fields, wrong media types, a live
 * interaction handle or browser cookie mixed with garbage, forged CSRF tokens, unregistered
 * post-logout URIs) and every answer must be:
 *
 * - never a 5xx: a page (200, or a 4xx error page) or a redirect;
 * - never a session cookie, and never a redirect carrying a code or leaving for an address the
 *   client did not register;
 * - never the injected markup back unescaped;
 *
 * and sessions, grants, consents and users must be exactly as they were.
 */

const SLUG = 'pages-co';
const REDIRECT = 'http://127.0.0.1:9999/callback';
const AFTER_LOGOUT = 'http://127.0.0.1:9999/signed-out';
const WATCHED_TABLES = ['sessions', 'oauth_interactions', 'oauth_authorization_codes', 'oauth_access_tokens', 'oauth_refresh_tokens', 'oauth_consents', 'users', 'oauth_clients'];
const MARKUP = '<script>alert("owned")</script>';
/** A page, an error page, or Node refusing a query over its header limit (414, 431) before there is a request. */
const PAGE_STATUSES = [200, 400, 401, 403, 404, 413, 414, 415, 429, 431];

type Route = 'GET login' | 'POST login' | 'GET consent' | 'POST consent' | 'GET logout' | 'POST logout';

interface Probe {
  readonly route: Route;
  readonly fields: readonly (readonly [string, string])[];
  readonly contentType: string | undefined;
  readonly cookie: 'none' | 'live' | 'garbage';
}

describe('bad input on the sign-in, consent and logout pages (SPEC §9)', () => {
  let database: TestDatabase;
  let planes: ListeningPlanes;
  let inspector: pg.Client;
  let rp: SeededClient;
  /** A live interaction, started by a real browser: its handle and its browser cookie. */
  let live: { handle: string; browserCookie: string };

  beforeAll(async () => {
    database = await createMigratedDatabase();
    // Sign-in limits off, so that probes reach the code behind them instead of stopping at a 429.
    planes = await startListeningPlanes(database.url, { OPENTRUSTY_RATE_LIMIT_SIGN_IN_PER_IP: 'off', OPENTRUSTY_RATE_LIMIT_SIGN_IN_PER_ACCOUNT: 'off' });
    const tenant = await seedTenant(planes, SLUG);
    await seedUser(planes, tenant, `ada@${SLUG}.example`, ['tenant_member']);
    rp = await seedClient(planes, tenant.id, { redirectUris: [REDIRECT], postLogoutRedirectUris: [AFTER_LOGOUT] });
    inspector = new pg.Client({ connectionString: database.url });
    await inspector.connect();

    const agent = new UserAgent();
    const started = await agent.get(authorizeUrl(`${planes.authOrigin}/t/${SLUG}`, rp.clientId, REDIRECT, newPkcePair(), { scope: 'openid', state: 's' }));
    const loginPage = await agent.get(new URL(started.location!, planes.authOrigin).toString());
    live = { handle: hiddenField(loginPage.body, 'interaction'), browserCookie: `opentrusty_browser=${agent.cookie('opentrusty_browser')}` };
  });

  afterAll(async () => {
    await inspector?.end();
    await planes?.close();
    await database?.drop();
  });

  async function tableDigests(): Promise<Record<string, string>> {
    const query = WATCHED_TABLES.map((table) => `select '${table}' as name, md5(coalesce(string_agg(t::text, ',' order by t::text), '')) as digest from "${table}" t`).join(' union all ');
    return Object.fromEntries((await inspector.query<{ name: string; digest: string }>(query)).rows.map((row) => [row.name, row.digest]));
  }

  const value = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.constantFrom(MARKUP, `"><img src=x onerror=alert(1)>`, 'javascript:alert(1)', 'https://evil.example/', `${AFTER_LOGOUT}.evil.example`, `${AFTER_LOGOUT}?x=1`, AFTER_LOGOUT, '%00', '\u0000', 'allow', 'deny'),
    // The real user's credentials: with the live interaction and cookie, only the CSRF check stands in the way.
    fc.constantFrom(`ada@${SLUG}.example`, PASSWORD),
    fc.constant('x'.repeat(20_000)),
    // Live values, read when the probe runs (after beforeAll): the interaction handle and the client id.
    fc.constantFrom('handle', 'client').map((which) => (which === 'handle' ? live.handle : rp.clientId)),
    fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    fc.stringMatching(/^ey[A-Za-z0-9_-]{10,60}\.[A-Za-z0-9_-]{10,60}\.[A-Za-z0-9_-]{0,60}$/),
  );
  const names = fc.constantFrom('interaction', 'csrf_token', 'email', 'password', 'decision', 'id_token_hint', 'post_logout_redirect_uri', 'state', 'client_id', 'scope', '__proto__', 'interaction[]');
  const probes: fc.Arbitrary<Probe> = fc.record({
    route: fc.constantFrom<Route>('GET login', 'POST login', 'GET consent', 'POST consent', 'GET logout', 'POST logout'),
    fields: fc.array(fc.tuple(names, value), { maxLength: 8 }),
    contentType: fc.constantFrom(undefined, 'application/x-www-form-urlencoded', 'application/json', 'text/plain', 'multipart/form-data; boundary=x'),
    cookie: fc.constantFrom<Probe['cookie']>('none', 'live', 'garbage'),
  });

  async function send(probe: Probe): Promise<Response> {
    const [method, page] = probe.route.split(' ') as ['GET' | 'POST', string];
    const form = new URLSearchParams(probe.fields as [string, string][]).toString();
    const url = `${planes.authOrigin}/t/${SLUG}/${page}${method === 'GET' && form ? `?${form}` : ''}`;
    const headers: Record<string, string> = {};
    if (probe.cookie === 'live') headers.cookie = live.browserCookie;
    if (probe.cookie === 'garbage') headers.cookie = `opentrusty_browser=${'A'.repeat(43)}; opentrusty_session=${'B'.repeat(43)}`;
    if (method === 'POST' && probe.contentType) headers['content-type'] = probe.contentType;
    const body = method === 'POST' ? (probe.contentType === 'application/json' ? JSON.stringify(Object.fromEntries(probe.fields)) : form) : undefined;
    return fetch(url, { method, headers, body, redirect: 'manual' });
  }

  it('answers every malformed or forged request with a page or a safe redirect, and changes nothing', async () => {
    const before = await tableDigests();
    await fc.assert(
      fc.asyncProperty(probes, async (probe) => {
        const response = await send(probe).catch((error: unknown) => error as Error);
        if (response instanceof Error) {
          // A query over Node's header limit (431) or a body over the size limit (413) is refused
          // while the client may still be sending it: the connection can be reset before fetch
          // sees the answer. Nothing smaller may fail that way.
          expect({ route: probe.route, oversized: JSON.stringify(probe.fields).length > 16_000 }).toEqual({ route: probe.route, oversized: true });
          return;
        }
        const text = await response.text();
        const location = response.headers.get('location');
        const where = `${probe.route} → ${response.status}${location ? ` ${location}` : ''}`;
        if (location) {
          expect({ where, redirect: [302, 303].includes(response.status) }).toEqual({ where, redirect: true });
          const target = new URL(location, planes.authOrigin);
          const allowed = target.origin === planes.authOrigin ? target.pathname.startsWith(`/t/${SLUG}/`) : [REDIRECT, AFTER_LOGOUT].includes(`${target.origin}${target.pathname}`);
          expect({ where, allowed, code: target.searchParams.has('code') }).toEqual({ where, allowed: true, code: false });
        } else {
          expect({ where, status: PAGE_STATUSES.includes(response.status) }).toEqual({ where, status: true });
        }
        const sessionCookie = (response.headers.getSetCookie?.() ?? []).find((cookie) => /^(__Secure-)?opentrusty_session=[^;]+/.test(cookie));
        expect({ where, sessionCookie }).toEqual({ where, sessionCookie: undefined });
        expect({ where, echoed: text.includes(MARKUP) || text.includes('<img src=x') }).toEqual({ where, echoed: false });
      }),
      { numRuns: 300 },
    );
    expect(await tableDigests()).toEqual(before);
  });

  it('reads forms only: a valid authorization request, sign-in, consent and logout sent as JSON get the error page and change nothing', async () => {
    const issuer = `${planes.authOrigin}/t/${SLUG}`;
    const agent = new UserAgent();
    const request = Object.fromEntries(new URL(authorizeUrl(issuer, rp.clientId, REDIRECT, newPkcePair(), { scope: 'openid', state: 'json' })).searchParams);
    const refusedAsJson = async (page: string, fields: Record<string, string>) => {
      const before = await tableDigests();
      const answer = await agent.postJson(`${issuer}/${page}`, fields);
      expect({ page, status: answer.status, location: answer.location }).toEqual({ page, status: 400, location: undefined });
      expect(answer.body).toContain('application/x-www-form-urlencoded');
      expect(await tableDigests()).toEqual(before);
    };

    // Each step is refused as JSON, then taken as the form a browser sends, which gets further.
    await refusedAsJson('authorize', request);
    const started = await agent.postForm(`${issuer}/authorize`, request);
    const loginPage = await agent.get(started.location!);
    const signIn = { interaction: hiddenField(loginPage.body, 'interaction'), csrf_token: hiddenField(loginPage.body, 'csrf_token'), email: `ada@${SLUG}.example`, password: PASSWORD };
    await refusedAsJson('login', signIn);
    const consentPage = await agent.get((await agent.postForm(`${issuer}/login`, signIn)).location!);
    const consent = { interaction: hiddenField(consentPage.body, 'interaction'), csrf_token: hiddenField(consentPage.body, 'csrf_token'), decision: 'allow' };
    await refusedAsJson('consent', consent);
    const granted = await agent.postForm(`${issuer}/consent`, consent);
    expect(new URL(granted.location!).searchParams.has('code')).toBe(true);
    // RP-initiated logout by POST is form-serialized too; as a form it is repeated by GET.
    const logout = { client_id: rp.clientId, post_logout_redirect_uri: AFTER_LOGOUT, state: 'json' };
    await refusedAsJson('logout', logout);
    expect((await agent.postForm(`${issuer}/logout`, logout)).status).toBe(303);
  });
});
