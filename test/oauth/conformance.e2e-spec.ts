import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createLocalJWKSet, decodeProtectedHeader, generateKeyPair, type JSONWebKeySet, jwtVerify, SignJWT } from 'jose';
import * as client from 'openid-client';
import { AdminSession, seedTenant, seedUser, type SeededTenant, type SeededUser } from '../support/admin-api.js';
import { completeInteraction, type InteractionResult } from '../support/code-flow.js';
import { type ClientOptions, seedClient, type SeededClient } from '../support/oauth-clients.js';
import { type ListeningPlanes, startListeningPlanes } from '../support/test-planes.js';
import { createMigratedDatabase, type TestDatabase } from '../support/test-database.js';
import { type AgentResponse, UserAgent } from '../support/user-agent.js';

/**
 * The OpenID Foundation conformance suite's Basic OP modules that apply to the authorization
 * code flow, re-created one test per module (the test name starts with the module's name), with
 * openid-client as the relying party. docs/conformance.md maps every module of the plan to its
 * test or says why it does not apply.
 */

const SLUG = 'conformance';
const REDIRECT = 'http://127.0.0.1:9999/callback';
const PROFILE = {
  name: 'Ada Lovelace',
  given_name: 'Ada',
  family_name: 'Lovelace',
  nickname: 'ada',
  picture: 'https://pictures.example/ada.png',
  locale: 'en-GB',
  zoneinfo: 'Europe/London',
} as const;
const PROFILE_CLAIMS = [...Object.keys(PROFILE), 'updated_at'];
/** RFC 6749 §4.1.2.1: error_description is limited to %x20-21 / %x23-5B / %x5D-7E. */
const ERROR_DESCRIPTION_CHARACTERS = /^[\x20-\x21\x23-\x5B\x5D-\x7E]*$/;

interface RequestOverrides {
  /** Added, replaced, or (null) left out of the authorization request. */
  readonly [parameter: string]: string | null;
}

/** One authorization request as a relying party builds it: URL, PKCE verifier, nonce (unless left out) and state. */
interface AuthorizationRequest {
  readonly url: URL;
  readonly verifier: string;
  readonly nonce: string | undefined;
  readonly state: string;
  readonly redirectUri: string;
}

type Flow = AuthorizationRequest & InteractionResult;
/** What redeeming a code needs: the authorization response and the request's PKCE verifier, state and nonce. */
type AuthorizationResponse = Pick<Flow, 'callback' | 'verifier' | 'state' | 'nonce'>;

describe('OpenID Foundation Basic OP conformance modules, re-created (docs/conformance.md)', () => {
  let database: TestDatabase;
  let planes: ListeningPlanes;
  let tenant: SeededTenant;
  let issuer: string;
  /** The suite's default variant: a confidential client with client_secret_basic, not first-party (consent is asked). */
  let basic: SeededClient;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    // Keys are read from the database on every use, so a rotation through the admin API applies at once.
    planes = await startListeningPlanes(database.url, { OPENTRUSTY_KEY_CACHE_SECONDS: '0' });
    tenant = await seedTenant(planes, SLUG);
    issuer = `${planes.authOrigin}/t/${SLUG}`;
    basic = await seedClient(planes, tenant.id, { redirectUris: [REDIRECT] });
  });

  afterAll(async () => {
    await planes?.close();
    await database?.drop();
  });

  // ---- the relying party and the user ---------------------------------------------------------

  /**
   * A relying party for one test (a fresh Configuration, so its JWKS cache is fresh too), which
   * verifies ID token signatures against the JWKS (openid-client's non-repudiation checks).
   */
  async function relyingParty(seeded: SeededClient = basic, metadata: Partial<client.ClientMetadata> = {}, auth?: client.ClientAuth): Promise<client.Configuration> {
    const authentication = auth ?? (seeded.clientSecret ? client.ClientSecretBasic(seeded.clientSecret) : client.None());
    return client.discovery(new URL(issuer), seeded.clientId, metadata, authentication, { execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks] });
  }

  async function newClient(options: ClientOptions = {}): Promise<SeededClient> {
    return seedClient(planes, tenant.id, { redirectUris: [REDIRECT], ...options });
  }

  let users = 0;
  /** A user of its own for each test (no shared sessions or remembered consents), with a full profile. */
  async function newUser(): Promise<SeededUser> {
    users += 1;
    const user = await seedUser(planes, tenant, `user${users}@${SLUG}.example`, ['tenant_member']);
    await planes.orm.em
      .fork()
      .execute('update users set name = ?, given_name = ?, family_name = ?, nickname = ?, picture = ?, locale = ?, zoneinfo = ?, email_verified = true where id = ?', [
        PROFILE.name,
        PROFILE.given_name,
        PROFILE.family_name,
        PROFILE.nickname,
        PROFILE.picture,
        PROFILE.locale,
        PROFILE.zoneinfo,
        user.id,
      ]);
    return user;
  }

  // ---- the front channel ------------------------------------------------------------------------

  /** Builds an authorization request with openid-client: code, PKCE S256, nonce, state, scope openid, then the overrides. */
  async function authorizationRequest(config: client.Configuration, overrides: RequestOverrides = {}): Promise<AuthorizationRequest> {
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
      state,
    });
    for (const [name, value] of Object.entries(overrides)) {
      if (value === null) url.searchParams.delete(name);
      else url.searchParams.set(name, value);
    }
    const sentNonce = url.searchParams.get('nonce') ?? undefined;
    return { url, verifier, nonce: sentNonce, state: url.searchParams.get('state') ?? state, redirectUri: url.searchParams.get('redirect_uri') ?? REDIRECT };
  }

  /** Sends the request (GET) and goes through whatever pages it leads to, as the user. */
  async function flow(config: client.Configuration, agent: UserAgent, user: SeededUser | null, overrides: RequestOverrides = {}): Promise<Flow> {
    const request = await authorizationRequest(config, overrides);
    const interaction = await completeInteraction(agent, await agent.get(request.url.href), user, { redirectUri: request.redirectUri });
    return { ...request, ...interaction };
  }

  function redeem(config: client.Configuration, done: AuthorizationResponse, checks: Partial<client.AuthorizationCodeGrantChecks> = {}) {
    return client.authorizationCodeGrant(config, done.callback, {
      pkceCodeVerifier: done.verifier,
      expectedState: done.state,
      ...(done.nonce !== undefined ? { expectedNonce: done.nonce } : {}),
      idTokenExpected: true,
      ...checks,
    });
  }

  /** A new user signs in and consents in a new browser; the code is redeemed. */
  async function signedIn(config: client.Configuration, overrides: RequestOverrides = {}) {
    const user = await newUser();
    const agent = new UserAgent();
    const tokens = await redeem(config, await flow(config, agent, user, overrides));
    return { user, agent, tokens, claims: tokens.claims()! };
  }

  /** The request's error answer, sent back to the client (RFC 6749 §4.1.2.1 with RFC 9207 iss). */
  function expectErrorRedirect(response: AgentResponse, request: AuthorizationRequest, error: string | readonly string[]): URL {
    expect(response.status).toBe(302);
    expect(response.location).toBeDefined();
    const location = new URL(response.location!);
    expect(`${location.origin}${location.pathname}`).toBe(request.redirectUri);
    expect(Array.isArray(error) ? error : [error]).toContain(location.searchParams.get('error'));
    expect(location.searchParams.get('state')).toBe(request.state);
    expect(location.searchParams.get('iss')).toBe(issuer);
    expect(location.searchParams.has('code')).toBe(false);
    expect(location.searchParams.get('error_description') ?? '').toMatch(ERROR_DESCRIPTION_CHARACTERS);
    return location;
  }

  /** An error the server shows the user instead of redirecting to a URI it cannot trust. */
  function expectErrorPage(response: AgentResponse): void {
    expect(response.status).toBe(400);
    expect(response.location).toBeUndefined();
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  }

  // ---- the back channel -------------------------------------------------------------------------

  async function jwks(): Promise<JSONWebKeySet> {
    const response = await fetch(`${issuer}/jwks`);
    expect(response.status).toBe(200);
    return (await response.json()) as JSONWebKeySet;
  }

  async function userInfoStatus(accessToken: string): Promise<{ status: number; challenge: string | null }> {
    const response = await fetch(`${issuer}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
    return { status: response.status, challenge: response.headers.get('www-authenticate') };
  }

  async function tokenRequest(fields: Record<string, string>, headers: Record<string, string> = {}) {
    const response = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
  }

  const basicAuthorization = (seeded: SeededClient, secret = seeded.clientSecret!) =>
    `Basic ${Buffer.from(`${encodeURIComponent(seeded.clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;

  // ---- server configuration ---------------------------------------------------------------------

  it('oidcc-discovery-endpoint-verification: the discovery document is complete, names this issuer, and its JWKS holds public signing keys only', async () => {
    const response = await fetch(`${issuer}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const metadata = (await response.json()) as Record<string, unknown>;
    expect(metadata.issuer).toBe(issuer);
    for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'end_session_endpoint', 'revocation_endpoint', 'introspection_endpoint']) {
      expect(String(metadata[endpoint])).toMatch(new RegExp(`^${issuer.replace(/[.]/g, '\\.')}/`));
    }
    expect(metadata.response_types_supported).toEqual(['code']);
    expect(metadata.subject_types_supported).toEqual(['public']);
    expect(metadata.id_token_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS256']));
    expect(metadata.id_token_signing_alg_values_supported).not.toContain('none');
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['openid']));
    expect(metadata.claims_supported).toEqual(expect.arrayContaining(['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce']));
    expect(metadata.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code']));
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic']));
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
    expect(metadata.request_parameter_supported).toBe(false);
    expect(metadata.request_uri_parameter_supported).toBe(false);

    const keys = (await jwks()).keys;
    expect(keys.length).toBeGreaterThan(0);
    const algorithms = metadata.id_token_signing_alg_values_supported as string[];
    for (const key of keys) {
      expect(key.kid).toEqual(expect.any(String));
      expect(key.use).toBe('sig');
      expect(algorithms).toContain(key.alg);
      for (const privateMember of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(key).not.toHaveProperty(privateMember);
    }
    expect(new Set(keys.map((key) => key.kid)).size).toBe(keys.length);
  });

  it('oidcc-server: the code flow returns code, state and iss, and a valid ID token (iss, sub, aud, exp, iat, auth_time, nonce, at_hash, azp)', async () => {
    const config = await relyingParty();
    const answers = recordAnswers(config);
    const user = await newUser();
    const done = await flow(config, new UserAgent(), user);
    expect(done.sawLogin).toBe(true);
    expect(done.sawConsent).toBe(true);
    expect(done.callback.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(done.callback.searchParams.get('state')).toBe(done.state);
    expect(done.callback.searchParams.get('iss')).toBe(issuer);

    const tokens = await redeem(config, done);
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.expires_in).toBeGreaterThan(0);
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ iss: issuer, sub: user.id, aud: basic.clientId, azp: basic.clientId, nonce: done.nonce });
    expect(claims.exp).toBeGreaterThan(claims.iat);
    expect(claims.auth_time).toBeLessThanOrEqual(claims.iat);
    expect(claims.at_hash).toBe(leftHalfSha256(tokens.access_token));

    const tokenAnswer = answers.find((answer) => answer.url === config.serverMetadata().token_endpoint)!;
    expect(tokenAnswer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(tokenAnswer.headers.get('cache-control')).toMatch(/\bno-store\b/);
  });

  // ---- the authorization request ----------------------------------------------------------------

  it('oidcc-response-type-missing: a request without response_type gets an error back at the redirect URI, never a code', async () => {
    const request = await authorizationRequest(await relyingParty(), { response_type: null });
    const response = await new UserAgent().get(request.url.href);
    // RFC 6749 names invalid_request for a missing parameter; the suite accepts unsupported_response_type as well.
    expectErrorRedirect(response, request, ['invalid_request', 'unsupported_response_type']);
  });

  it('oidcc-ensure-request-without-nonce-succeeds-for-code-flow: nonce is optional in the code flow, and then the ID token has none', async () => {
    const config = await relyingParty();
    const done = await flow(config, new UserAgent(), await newUser(), { nonce: null });
    expect(done.nonce).toBeUndefined();
    // With no expectedNonce, openid-client requires the ID token to carry no nonce.
    const tokens = await redeem(config, done);
    expect(tokens.claims()).not.toHaveProperty('nonce');
  });

  it('oidcc-ensure-request-with-unknown-parameter-succeeds: an unknown parameter is ignored', async () => {
    const config = await relyingParty();
    const done = await flow(config, new UserAgent(), await newUser(), { extra_parameter: 'foobar' });
    await expect(redeem(config, done)).resolves.toBeDefined();
  });

  it.each([{ display: 'page' }, { display: 'popup' }])('oidcc-display-$display: display=$display is accepted and the flow completes', async ({ display }) => {
    const config = await relyingParty();
    const done = await flow(config, new UserAgent(), await newUser(), { display });
    expect(done.sawLogin).toBe(true);
    await expect(redeem(config, done)).resolves.toBeDefined();
  });

  it('oidcc-ui-locales: ui_locales is accepted and the flow completes', async () => {
    const config = await relyingParty();
    const done = await flow(config, new UserAgent(), await newUser(), { ui_locales: 'se' });
    await expect(redeem(config, done)).resolves.toBeDefined();
  });

  it('oidcc-claims-locales: claims_locales is accepted; the flow completes and UserInfo answers', async () => {
    const config = await relyingParty();
    const user = await newUser();
    const done = await flow(config, new UserAgent(), user, { claims_locales: 'se', scope: 'openid profile' });
    const tokens = await redeem(config, done);
    await expect(client.fetchUserInfo(config, tokens.access_token, user.id)).resolves.toMatchObject({ sub: user.id, name: PROFILE.name });
  });

  it('oidcc-ensure-request-with-acr-values-succeeds: acr_values is accepted and the flow completes', async () => {
    const config = await relyingParty();
    const done = await flow(config, new UserAgent(), await newUser(), { acr_values: '1 2' });
    await expect(redeem(config, done)).resolves.toBeDefined();
  });

  it('oidcc-claims-essential: the claims parameter (not supported, and advertised as such) is ignored, and the flow completes', async () => {
    const config = await relyingParty();
    expect(config.serverMetadata().claims_parameter_supported).toBe(false);
    const user = await newUser();
    const done = await flow(config, new UserAgent(), user, { scope: 'openid profile', claims: JSON.stringify({ userinfo: { name: { essential: true } } }) });
    const tokens = await redeem(config, done);
    await expect(client.fetchUserInfo(config, tokens.access_token, user.id)).resolves.toMatchObject({ sub: user.id, name: PROFILE.name });
  });

  it('oidcc-login-hint: login_hint pre-fills the sign-in page’s email field', async () => {
    const config = await relyingParty();
    const user = await newUser();
    const agent = new UserAgent();
    const request = await authorizationRequest(config, { login_hint: user.email });
    const response = await agent.get(request.url.href);
    const page = await agent.get(response.location!);
    expect(page.status).toBe(200);
    expect(page.body).toMatch(new RegExp(`<input id="email" name="email"[^>]* value="${user.email.replace(/[.]/g, '\\.')}"`));
    const { callback } = await completeInteraction(agent, response, user, { redirectUri: REDIRECT });
    await expect(redeem(config, { ...request, callback })).resolves.toBeDefined();
  });

  it('oidcc-ensure-post-request-succeeds: the authorization request may be sent by POST (OIDC Core §3.1.2.1)', async () => {
    const config = await relyingParty();
    const agent = new UserAgent();
    const user = await newUser();
    const request = await authorizationRequest(config);
    const response = await agent.postForm(`${issuer}/authorize`, Object.fromEntries(request.url.searchParams));
    expect(response.status).toBe(302);
    const interaction = await completeInteraction(agent, response, user, { redirectUri: REDIRECT });
    expect(interaction.sawLogin).toBe(true);
    const tokens = await redeem(config, { ...request, ...interaction });
    expect(tokens.claims()!.sub).toBe(user.id);
  });

  it('oidcc-ensure-registered-redirect-uri: an unregistered redirect_uri gets an error page, never a redirect', async () => {
    const config = await relyingParty();
    for (const redirectUri of ['https://attacker.example/callback', `${REDIRECT}/more`, `${REDIRECT}?extra=1`, 'http://127.0.0.1:9998/callback', 'http://localhost:9999/callback']) {
      const request = await authorizationRequest(config, { redirect_uri: redirectUri });
      expectErrorPage(await new UserAgent().get(request.url.href));
    }
  });

  it('oidcc-ensure-redirect-uri-in-authorization-request: redirect_uri is required even when the client registered only one', async () => {
    const request = await authorizationRequest(await relyingParty(), { redirect_uri: null });
    expectErrorPage(await new UserAgent().get(request.url.href));
  });

  it('oidcc-redirect-uri-query-OK / -mismatch / -added: a registered query is part of the exact match and kept on the way back', async () => {
    const withQuery = `${REDIRECT}?tenant=blue`;
    const rp = await newClient({ redirectUris: [withQuery] });
    const config = await relyingParty(rp);
    const user = await newUser();
    const agent = new UserAgent();

    const request = await authorizationRequest(config, { redirect_uri: withQuery });
    const { callback } = await completeInteraction(agent, await agent.get(request.url.href), user, { redirectUri: REDIRECT });
    expect(callback.searchParams.get('tenant')).toBe('blue');
    expect(callback.searchParams.get('state')).toBe(request.state);
    const code = callback.searchParams.get('code')!;
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // openid-client always sends the callback URL without its query as redirect_uri, so this redemption is by hand.
    const exchange = (redirectUri: string) =>
      tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: request.verifier }, { authorization: basicAuthorization(rp) });
    expect(await exchange(REDIRECT)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const redeemed = await exchange(withQuery);
    expect(redeemed.status).toBe(200);
    const { payload } = await jwtVerify(String(redeemed.body.id_token), createLocalJWKSet(await jwks()), { issuer, audience: rp.clientId });
    expect(payload).toMatchObject({ sub: user.id, nonce: request.nonce });

    for (const other of [`${REDIRECT}?tenant=red`, REDIRECT, `${withQuery}&more=1`]) {
      expectErrorPage(await agent.get((await authorizationRequest(config, { redirect_uri: other })).url.href));
    }
  });

  it('implicit and hybrid response types (the Implicit and Hybrid OP plans) are refused with unsupported_response_type', async () => {
    const config = await relyingParty();
    for (const responseType of ['id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token', 'token']) {
      const request = await authorizationRequest(config, { response_type: responseType });
      expectErrorRedirect(await new UserAgent().get(request.url.href), request, 'unsupported_response_type');
    }
  });

  // ---- request objects (not supported: rejected as unsupported) -------------------------------

  function unsignedRequestObject(claims: Record<string, unknown>): string {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${part({ alg: 'none', typ: 'oauth-authz-req+jwt' })}.${part(claims)}.`;
  }

  it('oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported: request=… is rejected with request_not_supported', async () => {
    const config = await relyingParty();
    const request = await authorizationRequest(config);
    const inside = Object.fromEntries(request.url.searchParams);
    request.url.searchParams.set('request', unsignedRequestObject({ ...inside, iss: basic.clientId, aud: issuer }));
    const response = await new UserAgent().get(request.url.href);
    expectErrorRedirect(response, request, 'request_not_supported');
  });

  it('oidcc-ensure-request-object-with-redirect-uri: a redirect_uri only inside a request object is never trusted (error page, no redirect)', async () => {
    const config = await relyingParty();
    const request = await authorizationRequest(config);
    const inside = { ...Object.fromEntries(request.url.searchParams), iss: basic.clientId, aud: issuer };
    const url = new URL(`${issuer}/authorize`);
    url.searchParams.set('client_id', basic.clientId);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('scope', 'openid');
    url.searchParams.set('request', unsignedRequestObject(inside));
    expectErrorPage(await new UserAgent().get(url.href));
  });

  it.each([{ variant: 'unsigned' }, { variant: 'signed-rs256' }])('oidcc-request-uri-$variant: request_uri is rejected with request_uri_not_supported, and never fetched', async ({ variant }) => {
    const config = await relyingParty();
    const request = await authorizationRequest(config);
    const claims = { ...Object.fromEntries(request.url.searchParams), iss: basic.clientId, aud: issuer };
    let requestObject = unsignedRequestObject(claims);
    if (variant === 'signed-rs256') {
      const { privateKey } = await generateKeyPair('RS256');
      requestObject = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'oauth-authz-req+jwt' }).sign(privateKey);
    }
    const host = await serveOnce(requestObject);
    try {
      request.url.searchParams.set('request_uri', host.url);
      expectErrorRedirect(await new UserAgent().get(request.url.href), request, 'request_uri_not_supported');
      expect(host.fetches()).toBe(0);
    } finally {
      await host.close();
    }
  });

  // ---- prompt, max_age and id_token_hint -------------------------------------------------------

  it('oidcc-prompt-login: prompt=login asks for the password again even with a session, and auth_time moves forward', async () => {
    const config = await relyingParty();
    const { user, agent, claims: before } = await signedIn(config);
    planes.clock.advance(2_000);
    const again = await flow(config, agent, user, { prompt: 'login' });
    expect(again.sawLogin).toBe(true);
    expect(again.sawConsent).toBe(false);
    const after = (await redeem(config, again)).claims()!;
    expect(after.sub).toBe(user.id);
    expect(after.auth_time).toBeGreaterThan(before.auth_time!);
  });

  it('prompt=select_account shows the sign-in page even with a session, where the user may pick another account', async () => {
    const config = await relyingParty();
    const { user, agent } = await signedIn(config);
    const other = await newUser();
    const chosen = await flow(config, agent, other, { prompt: 'select_account' });
    expect(chosen.sawLogin).toBe(true);
    expect((await redeem(config, chosen)).claims()!.sub).toBe(other.id);
    expect(other.id).not.toBe(user.id);
  });

  it('oidcc-prompt-none-not-logged-in: prompt=none without a session returns login_required, with no page', async () => {
    const request = await authorizationRequest(await relyingParty(), { prompt: 'none' });
    expectErrorRedirect(await new UserAgent().get(request.url.href), request, 'login_required');
  });

  it('oidcc-prompt-none-logged-in: prompt=none with a session and a granted consent returns a code at once, for the same user', async () => {
    const config = await relyingParty();
    const { user, agent, claims: before } = await signedIn(config);
    const request = await authorizationRequest(config, { prompt: 'none' });
    const response = await agent.get(request.url.href);
    expect(response.status).toBe(302);
    const callback = new URL(response.location!);
    expect(callback.searchParams.get('error')).toBeNull();
    const after = (await redeem(config, { ...request, callback })).claims()!;
    expect(after.sub).toBe(user.id);
    expect(after.auth_time).toBe(before.auth_time);
  });

  it('oidcc-max-age-1: a sign-in older than max_age=1 is asked again, and auth_time is the new sign-in', async () => {
    const config = await relyingParty();
    const { user, agent, claims: before } = await signedIn(config);
    planes.clock.advance(2_000);
    const again = await flow(config, agent, user, { max_age: '1' });
    expect(again.sawLogin).toBe(true);
    // openid-client's maxAge check requires auth_time and that it is no older than max_age.
    const after = (await redeem(config, again, { maxAge: 1 })).claims()!;
    expect(after.auth_time).toBeGreaterThan(before.auth_time!);
  });

  it('oidcc-max-age-10000: a recent sign-in satisfies max_age=10000 without a page, and auth_time is the original sign-in', async () => {
    const config = await relyingParty();
    const { user, agent, claims: before } = await signedIn(config);
    const again = await flow(config, agent, user, { max_age: '10000' });
    expect(again.sawLogin).toBe(false);
    expect(again.sawConsent).toBe(false);
    const after = (await redeem(config, again, { maxAge: 10_000 })).claims()!;
    expect(after.auth_time).toBe(before.auth_time);
  });

  it('oidcc-id-token-hint: prompt=none with the previous ID token as id_token_hint returns a code for the same user', async () => {
    const config = await relyingParty();
    const { user, agent, tokens } = await signedIn(config);
    const request = await authorizationRequest(config, { prompt: 'none', id_token_hint: tokens.id_token! });
    const response = await agent.get(request.url.href);
    const callback = new URL(response.location!);
    expect(callback.searchParams.get('error')).toBeNull();
    const again = await redeem(config, { ...request, callback });
    expect(again.claims()!.sub).toBe(user.id);
  });

  it('id_token_hint of someone else than the signed-in user: login_required with prompt=none, else the sign-in page; a hint not issued to this client: invalid_request', async () => {
    const config = await relyingParty();
    const { agent } = await signedIn(config);
    const other = await signedIn(config);
    const silent = await authorizationRequest(config, { prompt: 'none', id_token_hint: other.tokens.id_token! });
    expectErrorRedirect(await agent.get(silent.url.href), silent, 'login_required');
    const asked = await authorizationRequest(config, { id_token_hint: other.tokens.id_token! });
    const response = await agent.get(asked.url.href);
    expect(response.status).toBe(302);
    expect(response.location).toContain('/login?interaction=');

    const garbage = await authorizationRequest(config, { id_token_hint: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' });
    expectErrorRedirect(await agent.get(garbage.url.href), garbage, 'invalid_request');
    const elsewhere = await relyingParty(await newClient());
    const foreign = await authorizationRequest(elsewhere, { id_token_hint: other.tokens.id_token! });
    expectErrorRedirect(await agent.get(foreign.url.href), foreign, 'invalid_request');
  });

  // ---- scopes and UserInfo ---------------------------------------------------------------------

  it('oidcc-userinfo-get: UserInfo by GET with the access token in the Authorization header', async () => {
    const config = await relyingParty();
    const { user, tokens } = await signedIn(config, { scope: 'openid email' });
    const info = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    expect(info).toMatchObject({ sub: user.id, email: user.email });
  });

  it('UserInfo answers RFC 6750 §3.1: another scheme is no token (401, a bare challenge); a malformed Bearer header or two tokens is invalid_request (400)', async () => {
    const config = await relyingParty();
    const { tokens } = await signedIn(config);
    const userinfo = (init: RequestInit) => fetch(`${issuer}/userinfo`, init);
    const otherScheme = await userinfo({ headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } });
    expect({ status: otherScheme.status, challenge: otherScheme.headers.get('www-authenticate') }).toEqual({ status: 401, challenge: 'Bearer realm="opentrusty"' });
    for (const authorization of ['Bearer', `Bearer ${tokens.access_token} extra`]) {
      const malformed = await userinfo({ headers: { authorization } });
      expect({ status: malformed.status, challenge: malformed.headers.get('www-authenticate') }).toEqual({ status: 400, challenge: 'Bearer realm="opentrusty", error="invalid_request"' });
      expect(await malformed.json()).toMatchObject({ error: 'invalid_request' });
    }
    const twice = await userinfo({
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ access_token: tokens.access_token }).toString(),
    });
    expect({ status: twice.status, challenge: twice.headers.get('www-authenticate') }).toEqual({ status: 400, challenge: 'Bearer realm="opentrusty", error="invalid_request"' });
    // The same token, sent once, is good.
    expect((await userinfo({ headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(200);
  });

  it('UserInfo refuses a valid token without openid with 403 insufficient_scope (RFC 6750 §3.1), an unknown one with 401', async () => {
    const config = await relyingParty();
    const tokens = await redeem(config, await flow(config, new UserAgent(), await newUser(), { scope: 'profile' }), { expectedNonce: undefined, idTokenExpected: false });
    const userinfo = (token: string) => fetch(`${issuer}/userinfo`, { headers: { authorization: `Bearer ${token}` } });
    const withoutOpenid = await userinfo(tokens.access_token);
    expect(withoutOpenid.status).toBe(403);
    expect(withoutOpenid.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(await withoutOpenid.json()).toMatchObject({ error: 'insufficient_scope' });
    // Still an active token: only UserInfo is closed to it.
    expect((await client.tokenIntrospection(config, tokens.access_token)).active).toBe(true);

    const unknown = await userinfo(tokens.access_token.replace(/^./, (first) => (first === 'A' ? 'B' : 'A')));
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('oidcc-userinfo-post-header: UserInfo by POST with the access token in the Authorization header', async () => {
    const config = await relyingParty();
    const { user, tokens } = await signedIn(config, { scope: 'openid email' });
    const response = await client.fetchProtectedResource(config, tokens.access_token, new URL(config.serverMetadata().userinfo_endpoint!), 'POST');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toMatchObject({ sub: user.id, email: user.email });
  });

  it('oidcc-userinfo-post-body: UserInfo by POST with the access token in the form body (RFC 6750 §2.2)', async () => {
    const config = await relyingParty();
    const { user, tokens } = await signedIn(config, { scope: 'openid email' });
    const response = await fetch(config.serverMetadata().userinfo_endpoint!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ access_token: tokens.access_token }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ sub: user.id, email: user.email });
  });

  it('oidcc-scope-profile: scope profile releases the profile claims in UserInfo, and no email', async () => {
    const config = await relyingParty();
    const { user, tokens } = await signedIn(config, { scope: 'openid profile' });
    const info = await client.fetchUserInfo(config, tokens.access_token, user.id);
    expect(info).toMatchObject({ sub: user.id, ...PROFILE });
    expect(info.updated_at).toEqual(expect.any(Number));
    expect(info).not.toHaveProperty('email');
    expect(info).not.toHaveProperty('email_verified');
  });

  it('oidcc-scope-email: scope email releases email and email_verified in UserInfo, and no profile claim', async () => {
    const config = await relyingParty();
    const { user, tokens } = await signedIn(config, { scope: 'openid email' });
    const info = await client.fetchUserInfo(config, tokens.access_token, user.id);
    expect(info).toMatchObject({ sub: user.id, email: user.email, email_verified: true });
    for (const claim of PROFILE_CLAIMS) expect(info).not.toHaveProperty(claim);
  });

  it('oidcc-scope-all: every scope in scopes_supported at once releases all their claims and a refresh token', async () => {
    const config = await relyingParty();
    const all = config.serverMetadata().scopes_supported!;
    expect(all).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'offline_access']));
    const { user, tokens } = await signedIn(config, { scope: all.join(' ') });
    expect(tokens.scope!.split(' ').sort()).toEqual([...all].sort());
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const info = await client.fetchUserInfo(config, tokens.access_token, user.id);
    expect(info).toMatchObject({ sub: user.id, email: user.email, email_verified: true, ...PROFILE });
  });

  it('oidcc-scope-address / oidcc-scope-phone: address and phone are not offered (the suite skips these), and asking for them is refused', async () => {
    const config = await relyingParty();
    const supported = config.serverMetadata().scopes_supported!;
    for (const scope of ['address', 'phone']) {
      expect(supported).not.toContain(scope);
      const request = await authorizationRequest(config, { scope: `openid ${scope}` });
      expectErrorRedirect(await new UserAgent().get(request.url.href), request, 'invalid_scope');
    }
  });

  it('oidcc-ensure-other-scope-order-succeeds: "email openid" works like "openid email"', async () => {
    const config = await relyingParty();
    const { user, tokens } = await signedIn(config, { scope: 'email openid' });
    expect(tokens.scope!.split(' ').sort()).toEqual(['email', 'openid']);
    expect(tokens.claims()!.sub).toBe(user.id);
    await expect(client.fetchUserInfo(config, tokens.access_token, user.id)).resolves.toMatchObject({ email: user.email });
  });

  // ---- the token endpoint ----------------------------------------------------------------------

  it('oidcc-codereuse: a code redeemed twice fails the second time, and the tokens of the first redemption stop working', async () => {
    const config = await relyingParty();
    const user = await newUser();
    const done = await flow(config, new UserAgent(), user);
    const tokens = await redeem(config, done);
    await expect(redeem(config, done)).rejects.toMatchObject({ error: 'invalid_grant', status: 400 });
    expect(await userInfoStatus(tokens.access_token)).toMatchObject({ status: 401, challenge: expect.stringContaining('invalid_token') });
  });

  it('oidcc-codereuse-30seconds: 30 seconds later the second redemption still fails and revokes the first redemption’s tokens', async () => {
    const config = await relyingParty();
    const user = await newUser();
    const done = await flow(config, new UserAgent(), user);
    const tokens = await redeem(config, done);
    expect((await userInfoStatus(tokens.access_token)).status).toBe(200);
    planes.clock.advance(30_000);
    await expect(redeem(config, done)).rejects.toMatchObject({ error: 'invalid_grant', status: 400 });
    expect(await userInfoStatus(tokens.access_token)).toMatchObject({ status: 401, challenge: expect.stringContaining('invalid_token') });
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('oidcc-refresh-token: a refresh returns new tokens and an ID token with the same iss, sub, aud and auth_time and no nonce; the token is bound to its client', async () => {
    const config = await relyingParty();
    const { user, tokens, claims: original } = await signedIn(config, { scope: 'openid offline_access', prompt: 'consent' });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    planes.clock.advance(1_000);

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.refresh_token).toEqual(expect.any(String));
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    const renewed = refreshed.claims()!;
    expect(renewed).toMatchObject({ iss: original.iss, sub: user.id, aud: original.aud, azp: original.azp, auth_time: original.auth_time });
    expect(renewed).not.toHaveProperty('nonce');
    expect(renewed.iat).toBeGreaterThan(original.iat);
    expect(renewed.at_hash).toBe(leftHalfSha256(refreshed.access_token));
    await expect(client.fetchUserInfo(config, refreshed.access_token, user.id)).resolves.toMatchObject({ sub: user.id });

    const stranger = await newClient();
    await expect(client.refreshTokenGrant(await relyingParty(stranger), refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(client.refreshTokenGrant(config, refreshed.refresh_token!)).resolves.toBeDefined();
  });

  // ---- ID token signatures and keys ------------------------------------------------------------

  it('oidcc-idtoken-rs256: the ID token is an RS256 JWS whose kid is in the JWKS and whose signature verifies', async () => {
    const config = await relyingParty();
    const { tokens } = await signedIn(config);
    const header = decodeProtectedHeader(tokens.id_token!);
    expect(header).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token!, createLocalJWKSet(await jwks()), { issuer, audience: basic.clientId, algorithms: ['RS256'] });
    expect(protectedHeader.kid).toBe(header.kid);
    expect(payload.sub).toBe(tokens.claims()!.sub);
  });

  it('oidcc-idtoken-es256: a client registered for ES256 gets ES256 ID tokens whose signature verifies', async () => {
    const rp = await newClient({ idTokenAlg: 'ES256' });
    const config = await relyingParty(rp, { id_token_signed_response_alg: 'ES256' });
    const { tokens } = await signedIn(config);
    expect(decodeProtectedHeader(tokens.id_token!)).toMatchObject({ alg: 'ES256', kid: expect.any(String) });
    await expect(jwtVerify(tokens.id_token!, createLocalJWKSet(await jwks()), { issuer, audience: rp.clientId, algorithms: ['ES256'] })).resolves.toBeDefined();
  });

  it('oidcc-server-rotate-keys: after a key rotation new ID tokens carry the new kid, published in the JWKS beside the old one, and both verify', async () => {
    const config = await relyingParty();
    const { user, agent, tokens: before } = await signedIn(config);
    const oldKid = decodeProtectedHeader(before.id_token!).kid!;

    const owner = await AdminSession.signIn(planes, tenant.owner);
    await owner.post(`/api/v1/tenants/${tenant.id}/keys/rotate`, { now: true }).expect(200);

    // A relying party reading the JWKS afresh, as the suite does after asking for the rotation.
    const fresh = await relyingParty();
    const again = await flow(fresh, agent, user);
    expect(again.sawLogin).toBe(false);
    const after = await redeem(fresh, again);
    const newKid = decodeProtectedHeader(after.id_token!).kid!;
    expect(newKid).not.toBe(oldKid);

    const published = await jwks();
    expect(published.keys.map((key) => key.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
    const keySet = createLocalJWKSet(published);
    await expect(jwtVerify(before.id_token!, keySet, { issuer, audience: basic.clientId })).resolves.toBeDefined();
    await expect(jwtVerify(after.id_token!, keySet, { issuer, audience: basic.clientId })).resolves.toBeDefined();
  });

  // ---- PKCE ------------------------------------------------------------------------------------

  it('oidcc-ensure-request-with-valid-pkce-succeeds: S256 with the matching verifier redeems the code', async () => {
    const config = await relyingParty();
    const done = await flow(config, new UserAgent(), await newUser());
    expect(done.url.searchParams.get('code_challenge_method')).toBe('S256');
    await expect(redeem(config, done)).resolves.toBeDefined();
  });

  it('PKCE is required: no code_challenge, or code_challenge_method plain or missing, is refused with invalid_request', async () => {
    const config = await relyingParty();
    const verifier = client.randomPKCECodeVerifier();
    const refused: RequestOverrides[] = [
      { code_challenge: null, code_challenge_method: null },
      { code_challenge: verifier, code_challenge_method: 'plain' },
      { code_challenge_method: null },
    ];
    for (const overrides of refused) {
      const request = await authorizationRequest(config, overrides);
      expectErrorRedirect(await new UserAgent().get(request.url.href), request, 'invalid_request');
    }
  });

  it('PKCE binds the code: a wrong code_verifier is invalid_grant and a missing one invalid_request', async () => {
    const config = await relyingParty();
    const done = await flow(config, new UserAgent(), await newUser());
    const code = done.callback.searchParams.get('code')!;
    const exchange = (extra: Record<string, string>) =>
      tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...extra }, { authorization: basicAuthorization(basic) });
    expect(await exchange({ code_verifier: client.randomPKCECodeVerifier() })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await exchange({})).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  // ---- client authentication -------------------------------------------------------------------

  it('client_secret_post (the suite’s client_auth_type=client_secret_post variant): the full flow with the secret in the body', async () => {
    const rp = await newClient({ authMethod: 'client_secret_post' });
    const config = await relyingParty(rp, {}, client.ClientSecretPost(rp.clientSecret!));
    const { user, tokens } = await signedIn(config);
    expect(tokens.claims()).toMatchObject({ sub: user.id, aud: rp.clientId });
  });

  it('none (a public client with PKCE): the full flow with no secret; a secret-less request for a confidential client is refused', async () => {
    const rp = await newClient({ type: 'public' });
    const config = await relyingParty(rp, {}, client.None());
    const { user, tokens } = await signedIn(config);
    expect(tokens.claims()).toMatchObject({ sub: user.id, aud: rp.clientId });

    const done = await flow(await relyingParty(), new UserAgent(), await newUser());
    const withoutSecret = await tokenRequest({ grant_type: 'authorization_code', code: done.callback.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: done.verifier, client_id: basic.clientId });
    expect(withoutSecret).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  it('client authentication failures are invalid_client (401): wrong secret (with a Basic challenge), another method than registered, client_secret_jwt', async () => {
    const done = await flow(await relyingParty(), new UserAgent(), await newUser());
    const grant = { grant_type: 'authorization_code', code: done.callback.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: done.verifier };

    const wrongSecret = await tokenRequest(grant, { authorization: basicAuthorization(basic, 'not-the-secret') });
    expect(wrongSecret).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(wrongSecret.headers.get('www-authenticate')).toMatch(/^Basic /);

    // Every 401 carries the challenge (RFC 9110 §15.5.2), whichever method the client tried.
    const otherMethod = await tokenRequest({ ...grant, client_id: basic.clientId, client_secret: basic.clientSecret! });
    expect(otherMethod).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(otherMethod.headers.get('www-authenticate')).toMatch(/^Basic /);

    // openid-client reports a 401 with a challenge as the challenge, keeping the response.
    const jwtConfig = await relyingParty(basic, {}, client.ClientSecretJwt(basic.clientSecret!));
    const refused = await client.authorizationCodeGrant(jwtConfig, done.callback, { pkceCodeVerifier: done.verifier, expectedState: done.state, expectedNonce: done.nonce! }).then(
      () => null,
      (error: unknown) => error as { status?: number; cause?: { scheme: string }[]; response?: Response },
    );
    expect(refused?.status).toBe(401);
    expect(refused?.cause?.map((challenge) => challenge.scheme)).toEqual(['basic']);
    expect(await refused!.response!.json()).toMatchObject({ error: 'invalid_client' });

    // None of the failures spent the code: the registered method still redeems it.
    await expect(redeem(await relyingParty(), done)).resolves.toBeDefined();
  });
});

/** Records the URL and headers of every answer the relying party receives. */
function recordAnswers(config: client.Configuration): { url: string; headers: Headers }[] {
  const answers: { url: string; headers: Headers }[] = [];
  config[client.customFetch] = async (url, options) => {
    const response = await fetch(url, options as RequestInit);
    answers.push({ url, headers: response.headers });
    return response;
  };
  return answers;
}

/** OIDC Core §3.1.3.6: base64url of the left half of the SHA-256 of the access token. */
function leftHalfSha256(value: string): string {
  return createHash('sha256').update(value, 'ascii').digest().subarray(0, 16).toString('base64url');
}

/** A loopback HTTP server that would serve a request object, and counts the requests it gets. */
async function serveOnce(body: string): Promise<{ url: string; fetches: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server: Server = createServer((_request, response) => {
    count += 1;
    response.writeHead(200, { 'content-type': 'application/oauth-authz-req+jwt' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/request.jwt`,
    fetches: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
