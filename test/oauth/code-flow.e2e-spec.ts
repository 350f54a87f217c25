import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { PASSWORD, seedTenant, seedUser, type SeededTenant, type SeededUser } from '../support/admin-api.js';
import { runCodeFlow } from '../support/code-flow.js';
import { seedClient, type SeededClient } from '../support/oauth-clients.js';
import { type ListeningPlanes, startListeningPlanes } from '../support/test-planes.js';
import { createMigratedDatabase, type TestDatabase } from '../support/test-database.js';
import { hiddenField, UserAgent } from '../support/user-agent.js';

const REDIRECT = 'http://127.0.0.1:9999/callback';

describe('authorization code flow with a certified relying party (openid-client)', () => {
  let database: TestDatabase;
  let planes: ListeningPlanes;
  let tenant: SeededTenant;
  let user: SeededUser;
  let rpClient: SeededClient;
  let config: client.Configuration;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startListeningPlanes(database.url);
    tenant = await seedTenant(planes, 'flow-co');
    user = await seedUser(planes, tenant, 'ada@flow-co.example', ['tenant_member']);
    rpClient = await seedClient(planes, tenant.id, { redirectUris: [REDIRECT] });
    config = await client.discovery(new URL(`${planes.authOrigin}/t/flow-co`), rpClient.clientId, undefined, client.ClientSecretBasic(rpClient.clientSecret!), {
      execute: [client.allowInsecureRequests],
    });
  });

  afterAll(async () => {
    await planes.close();
    await database.drop();
  });

  /** The audit events with this action about this target. */
  const eventsAbout = async (action: string, targetId: string) =>
    planes.orm.em.fork().execute<{ outcome: string; actor_id: string; metadata: Record<string, unknown> }[]>(
      'select outcome, actor_id, metadata from audit_events where action = ? and target_id = ?', [action, targetId]);
  const familyOf = async (refreshToken: string) =>
    (await planes.orm.em.fork().execute<{ family_id: string }[]>('select family_id from oauth_refresh_tokens where token_hash = encode(sha256(convert_to(?, \'UTF8\')), \'hex\')', [refreshToken]))[0]!.family_id;

  it('signs in, consents, and exchanges the code for validated tokens; then userinfo, refresh, introspection, revocation', async () => {
    const agent = new UserAgent();
    const flow = await runCodeFlow(config, agent, { email: user.email, password: PASSWORD }, { redirectUri: REDIRECT });
    expect(flow.sawLogin).toBe(true);
    expect(flow.sawConsent).toBe(true);
    expect(flow.callback.searchParams.get('iss')).toBe(`${planes.authOrigin}/t/flow-co`);
    expect(flow.callback.searchParams.get('state')).toBe(flow.state);

    const tokens = await client.authorizationCodeGrant(config, flow.callback, { pkceCodeVerifier: flow.verifier, expectedNonce: flow.nonce, expectedState: flow.state, idTokenExpected: true });
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ iss: `${planes.authOrigin}/t/flow-co`, sub: user.id, aud: rpClient.clientId, azp: rpClient.clientId, nonce: flow.nonce });
    expect(claims.sid).toEqual(expect.any(String));
    expect(claims.auth_time).toEqual(expect.any(Number));
    expect(claims.exp! - claims.iat!).toBe(600);
    expect(tokens.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tokens.scope).toBe('openid profile email offline_access');

    const info = await client.fetchUserInfo(config, tokens.access_token, user.id);
    expect(info).toMatchObject({ sub: user.id, email: user.email, email_verified: false });

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.claims()!.sub).toBe(user.id);
    const introspected = await client.tokenIntrospection(config, refreshed.access_token);
    expect(introspected).toMatchObject({ active: true, sub: user.id, client_id: rpClient.clientId, token_type: 'Bearer' });

    const family = await familyOf(refreshed.refresh_token!);
    await client.tokenRevocation(config, refreshed.refresh_token!);
    expect((await client.tokenIntrospection(config, refreshed.access_token)).active).toBe(false);
    await expect(client.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    // Revoking it again answers 200 (RFC 7009) but records nothing: nothing changed.
    await client.tokenRevocation(config, refreshed.refresh_token!);
    expect(await eventsAbout('token.revoked', family)).toEqual([expect.objectContaining({ outcome: 'success', actor_id: rpClient.clientId })]);
  });

  it('remembers consent: the second authorization of the same scopes shows neither page', async () => {
    const agent = new UserAgent();
    await runCodeFlow(config, agent, { email: user.email, password: PASSWORD }, { redirectUri: REDIRECT });
    const again = await runCodeFlow(config, agent, null, { redirectUri: REDIRECT });
    expect(again.sawLogin).toBe(false);
    expect(again.sawConsent).toBe(false);
    expect(again.callback.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('detects refresh token reuse and revokes the whole family', async () => {
    const agent = new UserAgent();
    const flow = await runCodeFlow(config, agent, { email: user.email, password: PASSWORD }, { redirectUri: REDIRECT });
    const tokens = await client.authorizationCodeGrant(config, flow.callback, { pkceCodeVerifier: flow.verifier, expectedNonce: flow.nonce, expectedState: flow.state });
    const rotated = await client.refreshTokenGrant(config, tokens.refresh_token!);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(client.refreshTokenGrant(config, rotated.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await client.tokenIntrospection(config, rotated.access_token)).active).toBe(false);
    expect(await eventsAbout('token.reuse_detected', await familyOf(tokens.refresh_token!))).toEqual([
      { outcome: 'failure', actor_id: rpClient.clientId, metadata: { grant_type: 'refresh_token' } },
    ]);
  });

  it('refuses a second redemption of a code and revokes the tokens it produced', async () => {
    const agent = new UserAgent();
    const flow = await runCodeFlow(config, agent, { email: user.email, password: PASSWORD }, { redirectUri: REDIRECT });
    const tokens = await client.authorizationCodeGrant(config, flow.callback, { pkceCodeVerifier: flow.verifier, expectedNonce: flow.nonce, expectedState: flow.state });
    await expect(client.authorizationCodeGrant(config, flow.callback, { pkceCodeVerifier: flow.verifier, expectedNonce: flow.nonce, expectedState: flow.state })).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect((await client.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const codeId = (await planes.orm.em.fork().execute<{ grant_id: string }[]>('select grant_id from oauth_access_tokens where token_hash = encode(sha256(convert_to(?, \'UTF8\')), \'hex\')', [tokens.access_token]))[0]!.grant_id;
    expect(await eventsAbout('token.reuse_detected', codeId)).toEqual([
      { outcome: 'failure', actor_id: rpClient.clientId, metadata: { grant_type: 'authorization_code' } },
    ]);
  });

  it('redeems a code and rotates a refresh token only while the client is as it was judged: a client disabled after the process read it is refused at once, leaving both unused', async () => {
    const judged = await seedClient(planes, tenant.id, { redirectUris: [REDIRECT] });
    const judgedConfig = await client.discovery(new URL(`${planes.authOrigin}/t/flow-co`), judged.clientId, undefined, client.ClientSecretBasic(judged.clientSecret!), {
      execute: [client.allowInsecureRequests],
    });
    const agent = new UserAgent();
    const first = await runCodeFlow(judgedConfig, agent, { email: user.email, password: PASSWORD }, { redirectUri: REDIRECT });
    // This exchange leaves the client in the process's memory (OPENTRUSTY_CLIENT_CACHE_SECONDS).
    const tokens = await client.authorizationCodeGrant(judgedConfig, first.callback, { pkceCodeVerifier: first.verifier, expectedNonce: first.nonce, expectedState: first.state });
    const second = await runCodeFlow(judgedConfig, agent, { email: user.email, password: PASSWORD }, { redirectUri: REDIRECT });
    const sql = (text: string, params: unknown[]) => planes.orm.em.fork().execute<Record<string, unknown>[]>(text, params);
    const setStatus = (status: string) => sql('update oauth_clients set status = ? where id = ?', [status, judged.clientId]);
    const redeem = () => client.authorizationCodeGrant(judgedConfig, second.callback, { pkceCodeVerifier: second.verifier, expectedNonce: second.nonce, expectedState: second.state });

    // Disabled behind the admin API's back (so nothing else revokes anything): the copy in memory
    // still says active, the statements see otherwise. A refusal replaces the copy, so each case
    // starts from an active copy made outdated by a fresh change.
    const consumedCodes = async () => (await sql('select count(*)::int as n from oauth_authorization_codes where client_id = ? and consumed_at is not null', [judged.clientId]))[0]!.n;
    const rotatedTokens = async () => (await sql('select count(*)::int as n from oauth_refresh_tokens where client_id = ? and rotated_at is not null', [judged.clientId]))[0]!.n;
    await setStatus('disabled');
    await expect(client.refreshTokenGrant(judgedConfig, tokens.refresh_token!)).rejects.toMatchObject({ status: 401 });
    expect(await rotatedTokens()).toBe(0);
    await setStatus('active');
    await client.refreshTokenGrant(judgedConfig, tokens.refresh_token!);
    expect(await rotatedTokens()).toBe(1);

    await setStatus('disabled');
    await expect(redeem()).rejects.toMatchObject({ status: 401 });
    expect(await consumedCodes()).toBe(1);
    await setStatus('active');
    await expect(redeem()).resolves.toMatchObject({ token_type: 'bearer' });
    expect(await consumedCodes()).toBe(2);
  });

  describe('sign-in and consent pages belong to the browser that started them', () => {
    const startAuthorization = async (agent: UserAgent, scope: string) => {
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT,
        scope,
        code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
        state: client.randomState(),
      });
      const response = await agent.get(url.toString());
      expect(response.location).toBeDefined();
      return new URL(response.location!);
    };

    it('refuses the sign-in page to another browser and a sign-in without the page’s CSRF token', async () => {
      const owner = new UserAgent();
      const loginUrl = await startAuthorization(owner, 'openid');
      expect(loginUrl.pathname).toBe('/t/flow-co/login');
      const handle = loginUrl.searchParams.get('interaction')!;

      // Another browser (no cookie, or its own) holding the same link gets the expired page.
      expect((await new UserAgent().get(loginUrl.toString())).status).toBe(400);
      const stranger = new UserAgent();
      await startAuthorization(stranger, 'openid');
      expect((await stranger.get(loginUrl.toString())).status).toBe(400);
      const strangerPost = await stranger.postForm(`${loginUrl.origin}${loginUrl.pathname}`, { interaction: handle, csrf_token: 'x', email: user.email, password: PASSWORD });
      expect(strangerPost.status).toBe(400);

      // The right browser with a wrong form token: 403, and no session.
      const page = await owner.get(loginUrl.toString());
      expect(page.status).toBe(200);
      const forged = await owner.postForm(`${loginUrl.origin}${loginUrl.pathname}`, { interaction: handle, csrf_token: 'forged', email: user.email, password: PASSWORD });
      expect(forged.status).toBe(403);
      expect(owner.cookie('opentrusty_session')).toBeUndefined();
    });

    it('shows the expired page, with no way back to the application, once the sign-in has run out of time; signing in then does nothing', async () => {
      const owner = new UserAgent();
      const loginUrl = await startAuthorization(owner, 'openid');
      const page = await owner.get(loginUrl.toString());
      expect(page.status).toBe(200);
      await planes.orm.em.fork().execute(
        `update oauth_interactions set expires_at = now() - interval '1 second' where handle_hash = encode(sha256(convert_to(?, 'UTF8')), 'hex')`,
        [loginUrl.searchParams.get('interaction')!]);

      const expired = await owner.get(loginUrl.toString());
      expect(expired.status).toBe(400);
      expect(expired.location).toBeUndefined();
      expect(expired.body).toContain('This sign-in has expired');
      expect(expired.body).toContain('Go back to the application and start again.');
      const late = await owner.postForm(`${loginUrl.origin}${loginUrl.pathname}`, {
        interaction: hiddenField(page.body, 'interaction'), csrf_token: hiddenField(page.body, 'csrf_token'), email: user.email, password: PASSWORD,
      });
      expect(late.status).toBe(400);
      expect(late.location).toBeUndefined();
      expect(late.body).toContain('This sign-in has expired');
      expect(owner.cookie('opentrusty_session')).toBeUndefined();
    });

    it('refuses the consent page to another browser and a decision without its CSRF token', async () => {
      const owner = new UserAgent();
      const loginUrl = await startAuthorization(owner, 'openid api:write');
      const page = await owner.get(loginUrl.toString());
      const signedIn = await owner.postForm(`${loginUrl.origin}${loginUrl.pathname}`, {
        interaction: hiddenField(page.body, 'interaction'), csrf_token: hiddenField(page.body, 'csrf_token'), email: user.email, password: PASSWORD,
      });
      const consentUrl = new URL(signedIn.location!);
      expect(consentUrl.pathname).toBe('/t/flow-co/consent');
      const handle = consentUrl.searchParams.get('interaction')!;

      expect((await new UserAgent().get(consentUrl.toString())).status).toBe(400);
      const forged = await owner.postForm(`${consentUrl.origin}${consentUrl.pathname}`, { interaction: handle, csrf_token: 'forged', decision: 'allow' });
      expect(forged.status).toBe(403);
      // The page still works for its browser: nothing was decided.
      const consent = await owner.get(consentUrl.toString());
      expect(consent.status).toBe(200);
      const allowed = await owner.postForm(`${consentUrl.origin}${consentUrl.pathname}`, { interaction: handle, csrf_token: hiddenField(consent.body, 'csrf_token'), decision: 'allow' });
      expect(allowed.location).toMatch(new RegExp(`^${REDIRECT}\\?code=`));
    });

    it('remembers the union of granted scopes, so a narrower or equal request skips consent', async () => {
      const agent = new UserAgent();
      const fresh = await seedUser(planes, tenant, 'scopes@flow-co.example', ['tenant_member']);
      const credentials = { email: fresh.email, password: PASSWORD };
      expect((await runCodeFlow(config, agent, credentials, { redirectUri: REDIRECT, scope: 'openid api:read' })).sawConsent).toBe(true);
      expect((await runCodeFlow(config, agent, credentials, { redirectUri: REDIRECT, scope: 'openid email' })).sawConsent).toBe(true);
      expect((await runCodeFlow(config, agent, credentials, { redirectUri: REDIRECT, scope: 'openid api:read email' })).sawConsent).toBe(false);
      expect((await runCodeFlow(config, agent, credentials, { redirectUri: REDIRECT, scope: 'api:read' })).sawConsent).toBe(false);
    });
  });
  describe('when the tenant has no active key of the client\'s algorithm', () => {
    const keyCacheMs = 11_000;
    const configFor = (seeded: SeededClient) =>
      client.discovery(new URL(`${planes.authOrigin}/t/flow-co`), seeded.clientId, undefined, client.ClientSecretBasic(seeded.clientSecret!), {
        execute: [client.allowInsecureRequests],
      });
    /** Runs `attempt` while the tenant's keys of `alg` are not active (moved a century ahead), past the process's key cache. */
    const withoutActiveKey = async <T>(alg: 'RS256' | 'ES256', attempt: () => Promise<T>): Promise<T> => {
      const moveKeys = (by: '+' | '-') =>
        planes.orm.em.fork().execute(`update signing_keys set activates_at = activates_at ${by} interval '100 years' where tenant_id = ? and alg = ?`, [tenant.id, alg]);
      await moveKeys('+');
      planes.clock.advance(keyCacheMs);
      try {
        return await attempt();
      } finally {
        await moveKeys('-');
        planes.clock.advance(keyCacheMs);
      }
    };
    /** openid-client refuses a 5xx answer and keeps the response as the error's cause. */
    const expectServerError = async (attempt: Promise<unknown>) => {
      const failure = await attempt.then(() => null, (error: unknown) => (error as { cause?: Response }).cause);
      expect(failure?.status).toBe(500);
      expect(await failure!.json()).toMatchObject({ error: 'server_error' });
    };

    it('spends neither the code nor the refresh token, so the client can retry once the key is back', async () => {
      const es256 = await seedClient(planes, tenant.id, { redirectUris: [REDIRECT], idTokenAlg: 'ES256' });
      const esConfig = await configFor(es256);
      const flow = await runCodeFlow(esConfig, new UserAgent(), { email: user.email, password: PASSWORD }, { redirectUri: REDIRECT });
      const redeem = () => client.authorizationCodeGrant(esConfig, flow.callback, { pkceCodeVerifier: flow.verifier, expectedNonce: flow.nonce, expectedState: flow.state, idTokenExpected: true });
      await withoutActiveKey('ES256', () => expectServerError(redeem()));
      const tokens = await redeem();
      expect(tokens.claims()!.nonce).toBe(flow.nonce);

      await withoutActiveKey('ES256', () => expectServerError(client.refreshTokenGrant(esConfig, tokens.refresh_token!)));
      const refreshed = await client.refreshTokenGrant(esConfig, tokens.refresh_token!);
      expect(refreshed.claims()!.sub).toBe(user.id);
      expect(await eventsAbout('token.reuse_detected', await familyOf(tokens.refresh_token!))).toEqual([]);
    });

    it('signs for a refresh token granted openid after its client lost openid, loading the key then', async () => {
      const changing = await seedClient(planes, tenant.id, { redirectUris: [REDIRECT] });
      const changingConfig = await configFor(changing);
      const flow = await runCodeFlow(changingConfig, new UserAgent(), { email: user.email, password: PASSWORD }, { redirectUri: REDIRECT });
      const tokens = await client.authorizationCodeGrant(changingConfig, flow.callback, { pkceCodeVerifier: flow.verifier, expectedNonce: flow.nonce, expectedState: flow.state, idTokenExpected: true });
      await planes.orm.em.fork().execute(`update oauth_clients set scopes = '["profile", "email", "offline_access"]'::jsonb where id = ?`, [changing.clientId]);
      const refreshed = await client.refreshTokenGrant(changingConfig, tokens.refresh_token!);
      expect(refreshed.scope).toContain('openid');
      expect(refreshed.claims()!.sub).toBe(user.id);
    });

    it('still serves a client that may not be granted openid, which never needs a key', async () => {
      const oauthOnly = await seedClient(planes, tenant.id, { redirectUris: [REDIRECT], scopes: ['profile', 'offline_access'] });
      const oauthConfig = await configFor(oauthOnly);
      const flow = await runCodeFlow(oauthConfig, new UserAgent(), { email: user.email, password: PASSWORD }, { redirectUri: REDIRECT, scope: 'profile offline_access' });
      const tokens = await withoutActiveKey('RS256', () => client.authorizationCodeGrant(oauthConfig, flow.callback, { pkceCodeVerifier: flow.verifier, expectedState: flow.state }));
      expect(tokens.id_token).toBeUndefined();
      const refreshed = await withoutActiveKey('RS256', () => client.refreshTokenGrant(oauthConfig, tokens.refresh_token!));
      expect(refreshed.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });
  });
});

describe('RP-initiated logout', () => {
  let database: TestDatabase;
  let planes: ListeningPlanes;
  let user: SeededUser;
  let otherUser: SeededUser;
  let config: client.Configuration;
  const AFTER = 'http://127.0.0.1:9999/signed-out';

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startListeningPlanes(database.url);
    const tenant = await seedTenant(planes, 'logout-co');
    user = await seedUser(planes, tenant, 'ada@logout-co.example', ['tenant_member']);
    otherUser = await seedUser(planes, tenant, 'eve@logout-co.example', ['tenant_member']);
    const rp = await seedClient(planes, tenant.id, { redirectUris: [REDIRECT], postLogoutRedirectUris: [AFTER], firstParty: true });
    config = await client.discovery(new URL(`${planes.authOrigin}/t/logout-co`), rp.clientId, undefined, client.ClientSecretBasic(rp.clientSecret!), { execute: [client.allowInsecureRequests] });
  });

  afterAll(async () => {
    await planes.close();
    await database.drop();
  });

  async function signedIn(scope: string, who: SeededUser = user) {
    const agent = new UserAgent();
    const flow = await runCodeFlow(config, agent, { email: who.email, password: PASSWORD }, { redirectUri: REDIRECT, scope });
    const tokens = await client.authorizationCodeGrant(config, flow.callback, { pkceCodeVerifier: flow.verifier, expectedNonce: flow.nonce, expectedState: flow.state });
    return { agent, tokens };
  }

  it('ends the session and its refresh tokens, keeps offline ones, and returns to the registered URI with state', async () => {
    const online = await signedIn('openid profile');
    const offlineTokens = await client.authorizationCodeGrant(
      config,
      ...(await (async () => {
        const flow = await runCodeFlow(config, online.agent, null, { redirectUri: REDIRECT, scope: 'openid offline_access' });
        return [flow.callback, { pkceCodeVerifier: flow.verifier, expectedNonce: flow.nonce, expectedState: flow.state }] as const;
      })()),
    );
    // Rotated twice: the session's latest tokens are rows a rotation wrote, not the first ones.
    const rotatedOnce = await client.refreshTokenGrant(config, online.tokens.refresh_token!);
    const rotated = await client.refreshTokenGrant(config, rotatedOnce.refresh_token!);
    const logoutUrl = client.buildEndSessionUrl(config, { id_token_hint: online.tokens.id_token!, post_logout_redirect_uri: AFTER, state: 'bye' });
    const response = await online.agent.get(logoutUrl.toString());
    expect(response.status).toBe(302);
    expect(response.location).toBe(`${AFTER}?state=bye`);
    expect(online.agent.cookie('opentrusty_session')).toBeUndefined();

    expect((await client.tokenIntrospection(config, rotated.refresh_token!)).active).toBe(false);
    for (const accessToken of [online.tokens.access_token, rotatedOnce.access_token, rotated.access_token]) {
      expect((await client.tokenIntrospection(config, accessToken)).active).toBe(false);
    }
    await expect(client.refreshTokenGrant(config, rotated.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    // Only the family's first row is its head (the one the client and session indexes hold); all are revoked.
    const familyRows = await planes.orm.em.fork().execute<{ family_head: boolean; revoked: boolean }[]>(
      `select r.family_head, r.revoked_at is not null as revoked from oauth_refresh_tokens r
        join oauth_refresh_tokens latest on latest.family_id = r.family_id and latest.token_hash = encode(sha256(convert_to(?, 'UTF8')), 'hex')
        order by r.family_head desc`,
      [rotated.refresh_token!]);
    expect(familyRows).toEqual([{ family_head: true, revoked: true }, { family_head: false, revoked: true }, { family_head: false, revoked: true }]);
    await expect(client.refreshTokenGrant(config, offlineTokens.refresh_token!)).resolves.toBeDefined();

    // The next authorization needs a new sign-in.
    const again = await runCodeFlow(config, online.agent, { email: user.email, password: PASSWORD }, { redirectUri: REDIRECT, scope: 'openid' });
    expect(again.sawLogin).toBe(true);
  });

  it('takes the logout request by POST too, form-serialized (RP-Initiated Logout §2), and has the browser repeat it by GET', async () => {
    const online = await signedIn('openid');
    const logoutEndpoint = `${planes.authOrigin}/t/logout-co/logout`;
    const fields = { id_token_hint: online.tokens.id_token!, post_logout_redirect_uri: AFTER, state: 'posted' };
    // A POST from the RP's site carries no SameSite=Lax cookie, so it is sent back as the same request by GET.
    const posted = await new UserAgent().postForm(logoutEndpoint, fields);
    expect(posted.status).toBe(303);
    const repeated = new URL(posted.location!);
    expect(`${repeated.origin}${repeated.pathname}`).toBe(logoutEndpoint);
    expect(Object.fromEntries(repeated.searchParams)).toEqual(fields);
    expect(online.agent.cookie('opentrusty_session')).toBeDefined();
    // That GET, a top-level navigation, comes with the cookies: signed out, back at the RP with state.
    const ended = await online.agent.get(posted.location!);
    expect(ended.status).toBe(302);
    expect(ended.location).toBe(`${AFTER}?state=posted`);
    expect(online.agent.cookie('opentrusty_session')).toBeUndefined();
    expect((await client.tokenIntrospection(config, online.tokens.access_token)).active).toBe(false);

    // Only a valid request is sent back, with only its own parameters, and only if the URL stays short.
    const stranger = new UserAgent();
    const unregistered = await stranger.postForm(logoutEndpoint, { ...fields, post_logout_redirect_uri: `${AFTER}/elsewhere` });
    expect({ status: unregistered.status, location: unregistered.location }).toEqual({ status: 400, location: undefined });
    const extra = await stranger.postForm(logoutEndpoint, { ...fields, interaction: 'x', ui: 'y' });
    expect(Object.keys(Object.fromEntries(new URL(extra.location!).searchParams)).sort()).toEqual(['id_token_hint', 'post_logout_redirect_uri', 'state']);
    const tooLong = await stranger.postForm(logoutEndpoint, { ...fields, state: 's'.repeat(6_000) });
    expect({ status: tooLong.status, location: tooLong.location }).toEqual({ status: 400, location: undefined });
    expect(tooLong.body).toContain('The logout request is too long.');
  });

  it('keeps the refresh tokens of a session replaced by a new sign-in within reach of logout; a different user signing in revokes the previous user’s', async () => {
    const first = await signedIn('openid');
    const introspected = async (token: string) => (await client.tokenIntrospection(config, token)).active;
    const firstRotated = await client.refreshTokenGrant(config, first.tokens.refresh_token!);

    // prompt=login: the same user signs in again in the same browser, and the session is replaced.
    const again = await runCodeFlow(config, first.agent, { email: user.email, password: PASSWORD }, { redirectUri: REDIRECT, scope: 'openid', extra: { prompt: 'login' } });
    expect(again.sawLogin).toBe(true);
    const second = await client.authorizationCodeGrant(config, again.callback, { pkceCodeVerifier: again.verifier, expectedNonce: again.nonce, expectedState: again.state });
    expect(await introspected(firstRotated.refresh_token!)).toBe(true);
    // The first sign-in's family, rotated before and after the replacement, now names the new session.
    const firstRotatedAgain = await client.refreshTokenGrant(config, firstRotated.refresh_token!);
    expect(firstRotatedAgain.claims()!.sid).toBe(second.claims()!.sid);
    expect(firstRotatedAgain.claims()!.sid).not.toBe(first.tokens.claims()!.sid);

    // Logging out of the new session ends the refresh tokens of both sign-ins.
    const logout = await first.agent.get(client.buildEndSessionUrl(config, { id_token_hint: second.id_token!, post_logout_redirect_uri: AFTER }).toString());
    expect(logout.status).toBe(302);
    expect(await introspected(firstRotatedAgain.refresh_token!)).toBe(false);
    expect(await introspected(firstRotatedAgain.access_token)).toBe(false);
    expect(await introspected(second.refresh_token!)).toBe(false);

    // Someone else signs in in the same browser: nothing could end the previous user's session any more.
    const ada = await signedIn('openid');
    const adaRotated = await client.refreshTokenGrant(config, ada.tokens.refresh_token!);
    const eve = await runCodeFlow(config, ada.agent, { email: otherUser.email, password: PASSWORD }, { redirectUri: REDIRECT, scope: 'openid', extra: { prompt: 'login' } });
    expect(eve.sawLogin).toBe(true);
    expect(await introspected(adaRotated.refresh_token!)).toBe(false);
    expect(await introspected(adaRotated.access_token)).toBe(false);
  });

  it('reaches a family whose first row is revoked but whose latest is not (a revocation that raced a rotation) through a session replacement and its logout', async () => {
    const first = await signedIn('openid');
    const rotated = await client.refreshTokenGrant(config, first.tokens.refresh_token!);
    // The state such a race leaves: the family's first row revoked, the row a rotation wrote not.
    await planes.orm.em.fork().execute(
      `update oauth_refresh_tokens set revoked_at = now() where token_hash = encode(sha256(convert_to(?, 'UTF8')), 'hex')`, [first.tokens.refresh_token!]);
    const again = await runCodeFlow(config, first.agent, { email: user.email, password: PASSWORD }, { redirectUri: REDIRECT, scope: 'openid', extra: { prompt: 'login' } });
    const second = await client.authorizationCodeGrant(config, again.callback, { pkceCodeVerifier: again.verifier, expectedNonce: again.nonce, expectedState: again.state });
    expect((await client.tokenIntrospection(config, rotated.refresh_token!)).active).toBe(true);

    const logout = await first.agent.get(client.buildEndSessionUrl(config, { id_token_hint: second.id_token!, post_logout_redirect_uri: AFTER }).toString());
    expect(logout.status).toBe(302);
    expect((await client.tokenIntrospection(config, rotated.refresh_token!)).active).toBe(false);
  });

  it('asks for confirmation when the id_token_hint names someone else than the signed-in user', async () => {
    const victim = await signedIn('openid');
    const attacker = await signedIn('openid', otherUser);
    const logoutUrl = client.buildEndSessionUrl(config, { id_token_hint: attacker.tokens.id_token!, post_logout_redirect_uri: AFTER, state: 'x' });
    const page = await victim.agent.get(logoutUrl.toString());
    expect(page.status).toBe(200);
    expect(page.body).toContain('Sign out?');
    expect(victim.agent.cookie('opentrusty_session')).toBeDefined();
    await expect(client.refreshTokenGrant(config, victim.tokens.refresh_token!)).resolves.toBeDefined();
    // The session is still there: the next authorization needs no sign-in.
    expect((await runCodeFlow(config, victim.agent, null, { redirectUri: REDIRECT, scope: 'openid' })).sawLogin).toBe(false);

    // Confirming on the page returns to the hint's client's registered URI.
    const { hiddenField } = await import('../support/user-agent.js');
    const confirmed = await victim.agent.postForm(`${planes.authOrigin}/t/logout-co/logout`, {
      csrf_token: hiddenField(page.body, 'csrf_token'),
      post_logout_redirect_uri: hiddenField(page.body, 'post_logout_redirect_uri'),
      state: hiddenField(page.body, 'state'),
      client_id: hiddenField(page.body, 'client_id'),
    });
    expect(confirmed.status).toBe(303);
    expect(confirmed.location).toBe(`${AFTER}?state=x`);
    expect(victim.agent.cookie('opentrusty_session')).toBeUndefined();
  });

  it('asks for confirmation without an id_token_hint, and refuses unregistered post-logout URIs', async () => {
    const { agent } = await signedIn('openid');
    const page = await agent.get(`${planes.authOrigin}/t/logout-co/logout`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Sign out?');
    expect(agent.cookie('opentrusty_session')).toBeDefined();
    const forged = await agent.postForm(`${planes.authOrigin}/t/logout-co/logout`, { csrf_token: 'forged' });
    expect(forged.status).toBe(403);
    const { hiddenField } = await import('../support/user-agent.js');
    const confirmed = await agent.postForm(`${planes.authOrigin}/t/logout-co/logout`, { csrf_token: hiddenField(page.body, 'csrf_token') });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toContain('You are signed out');

    const evil = await agent.get(`${planes.authOrigin}/t/logout-co/logout?client_id=${config.clientMetadata().client_id}&post_logout_redirect_uri=${encodeURIComponent('https://evil.example/')}`);
    expect(evil.status).toBe(400);
    expect(evil.location).toBeUndefined();
  });
});
