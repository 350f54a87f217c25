import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { uuidv7 } from '#platform/ids/uuidv7.js';
import { PASSWORD, seedTenant, seedUser, type SeededTenant, type SeededUser } from '../support/admin-api.js';
import { runCodeFlow } from '../support/code-flow.js';
import { seedClient, type SeededClient } from '../support/oauth-clients.js';
import { authorizeUrl, basicAuthorization, type HttpAnswer, httpGet, jsonOf, newPkcePair, postForm, send } from '../support/oauth-http.js';
import { type ListeningPlanes, startListeningPlanes } from '../support/test-planes.js';
import { createMigratedDatabase, type TestDatabase } from '../support/test-database.js';
import { hiddenField, UserAgent } from '../support/user-agent.js';

/**
 * Tenant isolation on the auth plane (SPEC §4, §5, §9): with two tenants on one server, every
 * credential of tenant A (client, code, refresh token, access token, sign-in session,
 * interaction handle, ID token) is worthless at every endpoint of tenant B, and B's refusal
 * leaves A's credential exactly as usable as before in A.
 */

const REDIRECT = 'http://127.0.0.1:9999/callback';
const SIGNED_OUT = 'http://127.0.0.1:9999/signed-out';
const SESSION_COOKIE = 'opentrusty_session';
const BROWSER_COOKIE = 'opentrusty_browser';
/** Both tenants have a user with this email and the same password: two unrelated identities (SPEC §3). */
const SHARED_EMAIL = 'ada@shared.example';

interface AlphaTokens {
  readonly agent: UserAgent;
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly idToken: string;
}

function expectOAuthError(answer: HttpAnswer, status: number, error: string): Record<string, unknown> {
  const body = jsonOf(answer);
  expect({ status: answer.status, error: body.error }).toEqual({ status, error });
  expect(body.error_description).toEqual(expect.any(String));
  expect(body).not.toHaveProperty('access_token');
  expect(body).not.toHaveProperty('refresh_token');
  expect(body).not.toHaveProperty('id_token');
  return body;
}

/** An HTML page with this status that sends the browser nowhere. */
function expectPageWithoutRedirect(answer: HttpAnswer, status: number): void {
  expect({ status: answer.status, location: answer.location }).toEqual({ status, location: undefined });
  expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
  expect(answer.text).toMatch(/^<!doctype html>/);
}

/** A redirect to somewhere under `prefix` (compared as plain text: URLs hold regex metacharacters). */
function expectLocationStartingWith(answer: { readonly location: string | undefined }, prefix: string): void {
  expect(answer.location?.slice(0, prefix.length)).toBe(prefix);
}

function setCookieNamed(answer: { readonly headers: Headers }, name: string): string | undefined {
  return answer.headers.getSetCookie().find((header) => header.startsWith(`${name}=`));
}

function cookieHeader(cookies: Record<string, string | undefined>): string {
  return Object.entries(cookies)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');
}

describe('cross-tenant isolation on the auth plane (SPEC §4, §9)', () => {
  let database: TestDatabase;
  let planes: ListeningPlanes;
  let alpha: SeededTenant;
  let bravo: SeededTenant;
  let alphaUser: SeededUser;
  let bravoUser: SeededUser;
  let alphaClient: SeededClient;
  let bravoClient: SeededClient;
  let alphaRp: client.Configuration;
  let alphaIssuer: string;
  let bravoIssuer: string;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startListeningPlanes(database.url);
    alpha = await seedTenant(planes, 'alpha');
    bravo = await seedTenant(planes, 'bravo');
    alphaUser = await seedUser(planes, alpha, SHARED_EMAIL, ['tenant_member']);
    bravoUser = await seedUser(planes, bravo, SHARED_EMAIL, ['tenant_member']);
    // Both clients register the same redirect and post-logout URIs: only the tenant tells them apart.
    const registration = { redirectUris: [REDIRECT], postLogoutRedirectUris: [SIGNED_OUT] };
    alphaClient = await seedClient(planes, alpha.id, registration);
    bravoClient = await seedClient(planes, bravo.id, registration);
    alphaIssuer = `${planes.authOrigin}/t/alpha`;
    bravoIssuer = `${planes.authOrigin}/t/bravo`;
    alphaRp = await client.discovery(new URL(alphaIssuer), alphaClient.clientId, undefined, client.ClientSecretBasic(alphaClient.clientSecret!), {
      execute: [client.allowInsecureRequests],
    });
  });

  afterAll(async () => {
    await planes?.close();
    await database?.drop();
  });

  // -------------------------------------------------------------------------------------------
  // Tenant A's side, through its own endpoints

  /** A browser signed in at A, and the tokens of one code flow in it. */
  async function signedInAtAlpha(): Promise<AlphaTokens> {
    const agent = new UserAgent();
    const flow = await runCodeFlow(alphaRp, agent, { email: alphaUser.email, password: PASSWORD }, { redirectUri: REDIRECT, scope: 'openid profile email offline_access' });
    const tokens = await client.authorizationCodeGrant(alphaRp, flow.callback, { pkceCodeVerifier: flow.verifier, expectedNonce: flow.nonce, expectedState: flow.state });
    return { agent, accessToken: tokens.access_token, refreshToken: tokens.refresh_token!, idToken: tokens.id_token! };
  }

  /** A code of A that nobody has redeemed yet, with its PKCE verifier. */
  async function unredeemedAlphaCode(): Promise<{ code: string; verifier: string }> {
    const flow = await runCodeFlow(alphaRp, new UserAgent(), { email: alphaUser.email, password: PASSWORD }, { redirectUri: REDIRECT });
    return { code: flow.callback.searchParams.get('code')!, verifier: flow.verifier };
  }

  const alphaCredentials = () => basicAuthorization(alphaClient.clientId, alphaClient.clientSecret!);
  const bravoCredentials = () => basicAuthorization(bravoClient.clientId, bravoClient.clientSecret!);

  async function introspectAt(issuer: string, authorization: string, token: string, hint?: string): Promise<Record<string, unknown>> {
    const answer = await postForm(`${issuer}/introspect`, { token, ...(hint ? { token_type_hint: hint } : {}) }, { authorization });
    expect(answer.status).toBe(200);
    return jsonOf(answer);
  }

  const introspectInAlpha = (token: string) => introspectAt(alphaIssuer, alphaCredentials(), token);

  async function redeemInAlpha(code: string, verifier: string): Promise<HttpAnswer> {
    return postForm(`${alphaIssuer}/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, { authorization: alphaCredentials() });
  }

  async function sessionsOf(tenantId: string): Promise<string[]> {
    const rows = await planes.orm.em.fork().execute<{ id: string }[]>(`select id from sessions where tenant_id = ? order by id`, [tenantId]);
    return rows.map((row) => row.id);
  }

  /** Whether the browser is still signed in at A: prompt=none answers with a code, not login_required. */
  async function stillSignedInAtAlpha(agent: UserAgent): Promise<boolean> {
    const answer = await agent.get(authorizeUrl(alphaIssuer, alphaClient.clientId, REDIRECT, newPkcePair(), { prompt: 'none' }));
    expectLocationStartingWith(answer, `${REDIRECT}?`);
    return new URL(answer.location!).searchParams.has('code');
  }

  // -------------------------------------------------------------------------------------------

  describe("B's token, introspection and revocation endpoints", () => {
    it("answer invalid_client to A's client credentials, which do not exist in B, whatever the grant or the method", async () => {
      const { code, verifier } = await unredeemedAlphaCode();
      const { refreshToken, accessToken } = await signedInAtAlpha();
      const grants: Record<string, string>[] = [
        { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier },
        { grant_type: 'refresh_token', refresh_token: refreshToken },
        { grant_type: 'client_credentials' },
      ];
      for (const grant of grants) {
        const basic = await postForm(`${bravoIssuer}/token`, grant, { authorization: alphaCredentials() });
        expectOAuthError(basic, 401, 'invalid_client');
        expect(basic.headers.get('www-authenticate')).toMatch(/^Basic /);
        const post = await postForm(`${bravoIssuer}/token`, { ...grant, client_id: alphaClient.clientId, client_secret: alphaClient.clientSecret! });
        expectOAuthError(post, 401, 'invalid_client');
      }
      for (const endpoint of ['introspect', 'revoke']) {
        expectOAuthError(await postForm(`${bravoIssuer}/${endpoint}`, { token: accessToken }, { authorization: alphaCredentials() }), 401, 'invalid_client');
      }

      // Nothing B refused was spent or revoked in A.
      expect((await redeemInAlpha(code, verifier)).status).toBe(200);
      expect(await introspectInAlpha(accessToken)).toMatchObject({ active: true });
      expect(await introspectInAlpha(refreshToken)).toMatchObject({ active: true, token_type: 'refresh_token' });
    });

    it("answer invalid_grant to A's code presented by B's client, and the code still redeems in A", async () => {
      const { code, verifier } = await unredeemedAlphaCode();
      const answer = await postForm(`${bravoIssuer}/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, { authorization: bravoCredentials() });
      expectOAuthError(answer, 400, 'invalid_grant');

      const redeemed = await redeemInAlpha(code, verifier);
      expect(redeemed.status).toBe(200);
      // B's attempt did not count as a first redemption: the tokens A issued are not revoked as a replay.
      expect(await introspectInAlpha(jsonOf(redeemed).access_token as string)).toMatchObject({ active: true, client_id: alphaClient.clientId, sub: alphaUser.id });
    });

    it("answer invalid_grant to A's refresh token presented by B's client, and the family lives on in A", async () => {
      const { refreshToken, accessToken } = await signedInAtAlpha();
      for (const extra of [{}, { scope: 'openid' }] as Record<string, string>[]) {
        const answer = await postForm(`${bravoIssuer}/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra }, { authorization: bravoCredentials() });
        expectOAuthError(answer, 400, 'invalid_grant');
      }
      // Not treated as reuse in A: the token is neither spent nor its family revoked.
      expect(await introspectInAlpha(accessToken)).toMatchObject({ active: true });
      const rotated = await client.refreshTokenGrant(alphaRp, refreshToken);
      expect(rotated.access_token).toEqual(expect.any(String));
    });

    it("introspection by B's client reports A's access and refresh tokens inactive, with or without a hint", async () => {
      const { accessToken, refreshToken } = await signedInAtAlpha();
      for (const hint of [undefined, 'access_token', 'refresh_token']) {
        expect(await introspectAt(bravoIssuer, bravoCredentials(), accessToken, hint)).toEqual({ active: false });
        expect(await introspectAt(bravoIssuer, bravoCredentials(), refreshToken, hint)).toEqual({ active: false });
      }
      expect(await introspectInAlpha(accessToken)).toMatchObject({ active: true, iss: alphaIssuer });
    });

    it("revocation by B's client answers 200 and revokes nothing of A's", async () => {
      const { accessToken, refreshToken } = await signedInAtAlpha();
      for (const [token, hint] of [[accessToken, 'access_token'], [refreshToken, 'refresh_token'], [accessToken, undefined], [refreshToken, undefined]] as const) {
        const answer = await postForm(`${bravoIssuer}/revoke`, { token, ...(hint ? { token_type_hint: hint } : {}) }, { authorization: bravoCredentials() });
        expect(answer.status).toBe(200);
        expect(answer.text).toBe('');
      }
      expect(await introspectInAlpha(accessToken)).toMatchObject({ active: true });
      expect(await introspectInAlpha(refreshToken)).toMatchObject({ active: true });
    });
  });

  describe("B's UserInfo", () => {
    it("answers 401 invalid_token with WWW-Authenticate to A's access token, in the header or the form body", async () => {
      const { accessToken } = await signedInAtAlpha();
      const answers = [
        await httpGet(`${bravoIssuer}/userinfo`, { authorization: `Bearer ${accessToken}` }),
        await postForm(`${bravoIssuer}/userinfo`, {}, { authorization: `Bearer ${accessToken}` }),
        await postForm(`${bravoIssuer}/userinfo`, { access_token: accessToken }),
      ];
      for (const answer of answers) {
        const body = expectOAuthError(answer, 401, 'invalid_token');
        expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
        expect(body).not.toHaveProperty('sub');
        expect(answer.text).not.toContain(alphaUser.id);
      }
      const own = await httpGet(`${alphaIssuer}/userinfo`, { authorization: `Bearer ${accessToken}` });
      expect(own.status).toBe(200);
      expect(jsonOf(own)).toMatchObject({ sub: alphaUser.id, email: SHARED_EMAIL });
    });
  });

  describe("B's browser-facing endpoints", () => {
    it("authorize shows an HTML error page (400) for A's client_id and never redirects, by GET or POST and even with prompt=none", async () => {
      const pkce = newPkcePair();
      for (const extra of [{}, { prompt: 'none' }] as Record<string, string>[]) {
        expectPageWithoutRedirect(await httpGet(authorizeUrl(bravoIssuer, alphaClient.clientId, REDIRECT, pkce, extra)), 400);
        const posted = new URL(authorizeUrl(bravoIssuer, alphaClient.clientId, REDIRECT, pkce, extra));
        expectPageWithoutRedirect(await postForm(`${bravoIssuer}/authorize`, Object.fromEntries(posted.searchParams)), 400);
      }
      // The same request in A is fine: the client exists there.
      const own = await httpGet(authorizeUrl(alphaIssuer, alphaClient.clientId, REDIRECT, pkce));
      expect(own.status).toBe(302);
      expectLocationStartingWith(own, `${alphaIssuer}/login?interaction=`);
    });

    it("the sign-in page refuses A's interaction (an expired page, no redirect, no session), even with A's browser cookie sent by hand", async () => {
      const agent = new UserAgent();
      const started = await agent.get(authorizeUrl(alphaIssuer, alphaClient.clientId, REDIRECT, newPkcePair(), { prompt: 'consent' }));
      const handle = new URL(started.location!).searchParams.get('interaction')!;
      const page = await agent.get(started.location!);
      const csrfToken = hiddenField(page.body, 'csrf_token');
      const alphaCookies = cookieHeader({ [BROWSER_COOKIE]: agent.cookie(BROWSER_COOKIE) });
      const bravoSessions = await sessionsOf(bravo.id);

      expectPageWithoutRedirect(await httpGet(`${bravoIssuer}/login?interaction=${handle}`, { cookie: alphaCookies }), 400);
      // B has a user with the same email and password: the interaction is still not B's.
      const submitted = await postForm(`${bravoIssuer}/login`, { interaction: handle, csrf_token: csrfToken, email: bravoUser.email, password: PASSWORD }, { cookie: alphaCookies });
      expectPageWithoutRedirect(submitted, 400);
      expect(setCookieNamed(submitted, SESSION_COOKIE)).toBeUndefined();
      expect(await sessionsOf(bravo.id)).toEqual(bravoSessions);

      // In A the interaction is intact.
      const signedIn = await agent.postForm(`${alphaIssuer}/login`, { interaction: handle, csrf_token: csrfToken, email: alphaUser.email, password: PASSWORD });
      expect(signedIn.status).toBe(303);
      expectLocationStartingWith(signedIn, `${alphaIssuer}/consent?interaction=`);
    });

    it("the consent page refuses A's interaction and A's session cookie sent by hand (expired page, no redirect, no code)", async () => {
      const agent = new UserAgent();
      const started = await agent.get(authorizeUrl(alphaIssuer, alphaClient.clientId, REDIRECT, newPkcePair(), { prompt: 'consent' }));
      const loginPage = await agent.get(started.location!);
      const signedIn = await agent.postForm(`${alphaIssuer}/login`, {
        interaction: hiddenField(loginPage.body, 'interaction'),
        csrf_token: hiddenField(loginPage.body, 'csrf_token'),
        email: alphaUser.email,
        password: PASSWORD,
      });
      // The session cookie is scoped to A's path, so a browser would never send it to B.
      const sessionSetCookie = setCookieNamed(signedIn, SESSION_COOKIE);
      expect(sessionSetCookie).toMatch(/; Path=\/t\/alpha(;|$)/);
      const handle = new URL(signedIn.location!).searchParams.get('interaction')!;
      const consentPage = await agent.get(signedIn.location!);
      const csrfToken = hiddenField(consentPage.body, 'csrf_token');
      const alphaCookies = cookieHeader({ [SESSION_COOKIE]: agent.cookie(SESSION_COOKIE), [BROWSER_COOKIE]: agent.cookie(BROWSER_COOKIE) });

      expectPageWithoutRedirect(await httpGet(`${bravoIssuer}/consent?interaction=${handle}`, { cookie: alphaCookies }), 400);
      for (const decision of ['allow', 'deny']) {
        expectPageWithoutRedirect(await postForm(`${bravoIssuer}/consent`, { interaction: handle, csrf_token: csrfToken, decision }, { cookie: alphaCookies }), 400);
      }

      const allowed = await agent.postForm(`${alphaIssuer}/consent`, { interaction: handle, csrf_token: csrfToken, decision: 'allow' });
      expect(allowed.status).toBe(303);
      expect(new URL(allowed.location!).searchParams.get('iss')).toBe(alphaIssuer);
      expect(new URL(allowed.location!).searchParams.get('code')).toEqual(expect.any(String));
    });

    it("authorize ignores A's session cookie sent by hand: B asks for sign-in, and prompt=none gets login_required", async () => {
      const { agent } = await signedInAtAlpha();
      const session = agent.cookie(SESSION_COOKIE);
      expect(session).toBeDefined();
      const cookie = cookieHeader({ [SESSION_COOKIE]: session });

      const asked = await httpGet(authorizeUrl(bravoIssuer, bravoClient.clientId, REDIRECT, newPkcePair()), { cookie });
      expect(asked.status).toBe(302);
      expectLocationStartingWith(asked, `${bravoIssuer}/login?interaction=`);

      const silent = await httpGet(authorizeUrl(bravoIssuer, bravoClient.clientId, REDIRECT, newPkcePair(), { prompt: 'none', state: 'silent' }), { cookie });
      expect(silent.status).toBe(302);
      const callback = new URL(silent.location!);
      expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT);
      expect(Object.fromEntries(callback.searchParams)).toMatchObject({ error: 'login_required', state: 'silent', iss: bravoIssuer });
      expect(callback.searchParams.has('code')).toBe(false);

      // The same cookie still signs the user in at A.
      expect(await stillSignedInAtAlpha(agent)).toBe(true);
    });

    it("authorize at B refuses A's id_token_hint with invalid_request at B's redirect URI, with or without prompt=none", async () => {
      const { idToken } = await signedInAtAlpha();
      for (const prompt of [undefined, 'none']) {
        const answer = await httpGet(authorizeUrl(bravoIssuer, bravoClient.clientId, REDIRECT, newPkcePair(), { id_token_hint: idToken, state: 'hinted', ...(prompt ? { prompt } : {}) }));
        expect(answer.status).toBe(302);
        const callback = new URL(answer.location!);
        expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT);
        expect(Object.fromEntries(callback.searchParams)).toMatchObject({ error: 'invalid_request', state: 'hinted', iss: bravoIssuer });
        expect(callback.searchParams.has('code')).toBe(false);
      }
    });

    it("logout refuses A's id_token_hint (400, no redirect) and leaves A's session and tokens alone", async () => {
      const { agent, idToken, refreshToken } = await signedInAtAlpha();
      const alphaSessions = await sessionsOf(alpha.id);
      const cookie = cookieHeader({ [SESSION_COOKIE]: agent.cookie(SESSION_COOKIE) });
      const requests = [
        new URLSearchParams({ id_token_hint: idToken }),
        new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: SIGNED_OUT, state: 'bye' }),
        new URLSearchParams({ id_token_hint: idToken, client_id: alphaClient.clientId, post_logout_redirect_uri: SIGNED_OUT }),
        // Without a hint, A's client_id cannot pick a post-logout URI in B either.
        new URLSearchParams({ client_id: alphaClient.clientId, post_logout_redirect_uri: SIGNED_OUT }),
      ];
      for (const query of requests) {
        const answer = await httpGet(`${bravoIssuer}/logout?${query.toString()}`, { cookie });
        expectPageWithoutRedirect(answer, 400);
        expect(setCookieNamed(answer, SESSION_COOKIE)).toBeUndefined();
        // The same request by POST (form-serialized) is refused too, not sent on as a GET.
        const posted = await postForm(`${bravoIssuer}/logout`, Object.fromEntries(query), { cookie });
        expectPageWithoutRedirect(posted, 400);
      }
      expect(await sessionsOf(alpha.id)).toEqual(alphaSessions);
      expect(await stillSignedInAtAlpha(agent)).toBe(true);
      expect(await introspectInAlpha(refreshToken)).toMatchObject({ active: true });
    });

    it("B's signed-out confirmation, with A's session cookie sent by hand, ends nothing in A", async () => {
      const { agent, refreshToken } = await signedInAtAlpha();
      const alphaSessions = await sessionsOf(alpha.id);
      const session = agent.cookie(SESSION_COOKIE);
      const page = await httpGet(`${bravoIssuer}/logout`, { cookie: cookieHeader({ [SESSION_COOKIE]: session }) });
      expect(page.status).toBe(200);
      const bravoBrowser = /^opentrusty_browser=([^;]+)/.exec(setCookieNamed(page, BROWSER_COOKIE) ?? '')?.[1];
      expect(bravoBrowser).toBeDefined();

      const confirmed = await postForm(`${bravoIssuer}/logout`, { csrf_token: hiddenField(page.text, 'csrf_token') }, { cookie: cookieHeader({ [SESSION_COOKIE]: session, [BROWSER_COOKIE]: bravoBrowser }) });
      expect(confirmed.status).toBe(200);
      expect(confirmed.text).toContain('You are signed out');
      expect(await sessionsOf(alpha.id)).toEqual(alphaSessions);
      expect(await stillSignedInAtAlpha(agent)).toBe(true);
      expect(await introspectInAlpha(refreshToken)).toMatchObject({ active: true });
    });
  });

  describe('the admin plane', () => {
    it("refuses A's service-account token on B's tenant routes (401/403) and changes nothing in B", async () => {
      const service = await seedClient(planes, alpha.id, { grantTypes: ['client_credentials'], scopes: ['admin:api'] });
      await planes.orm.em.fork().execute(`insert into role_assignments (id, role_key, tenant_id, client_id, created_at) values (?, 'tenant_admin', ?, ?, now())`, [uuidv7(), alpha.id, service.clientId]);
      const issued = await postForm(`${alphaIssuer}/token`, { grant_type: 'client_credentials' }, { authorization: basicAuthorization(service.clientId, service.clientSecret!) });
      expect(issued.status).toBe(200);
      const bearer = { authorization: `Bearer ${jsonOf(issued).access_token as string}` };
      const admin = (path: string) => `${planes.adminOrigin}/api/v1${path}`;
      const bravoUsers = async () => (await planes.orm.em.fork().execute<{ n: string }[]>(`select count(*) as n from users where tenant_id = ?`, [bravo.id]))[0]!.n;
      const usersBefore = await bravoUsers();

      // The token works where it belongs.
      expect((await httpGet(admin(`/tenants/${alpha.id}/users`), bearer)).status).toBe(200);

      const refusals = [
        await httpGet(admin(`/tenants/${bravo.id}/users`), bearer),
        await httpGet(admin(`/tenants/${bravo.id}/users/${bravoUser.id}`), bearer),
        await httpGet(admin(`/tenants/${bravo.id}`), bearer),
        await send(admin(`/tenants/${bravo.id}/users`), { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: JSON.stringify({ email: 'intruder@bravo.example' }) }),
        await send(admin(`/tenants/${bravo.id}/users/${bravoUser.id}`), { method: 'DELETE', headers: bearer }),
      ];
      for (const answer of refusals) {
        expect([401, 403]).toContain(answer.status);
        expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(answer.text).not.toContain(bravoUser.email);
      }
      expect(await bravoUsers()).toBe(usersBefore);
    });
  });
});

