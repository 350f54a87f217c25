import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { seedTenant, seedUser, type SeededTenant, type SeededUser } from '../support/admin-api.js';
import { CHROMIUM_ARGS, chromiumForTests } from '../support/chromium.js';
import { freePort } from '../support/cli-process.js';
import { seedClient, type SeededClient } from '../support/oauth-clients.js';
import { type ListeningPlanes, startListeningPlanes } from '../support/test-planes.js';
import { createMigratedDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * The sign-in and consent pages in a real browser (Debian's Chromium driven by playwright-core),
 * with openid-client as the relying party: what the protocol tests' UserAgent cannot show, such
 * as the Content-Security-Policy actually letting the page work, labels a person (or a screen
 * reader) finds the fields by, cookies as the browser stores them, and form-action on redirects.
 */
const executablePath = chromiumForTests();
const describeInChromium = executablePath ? describe : describe.skip;

const SLUG = 'browser-co';
const CLIENT_NAME = 'Browser Test App';
const SESSION_COOKIE = 'opentrusty_session';
const BROWSER_COOKIE = 'opentrusty_browser';

interface Authorization {
  readonly url: URL;
  readonly verifier: string;
  readonly nonce: string;
  readonly state: string;
}

/** A fresh browser context (no cookies) with one page, recording every request the page makes. */
interface BrowserUser {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly requests: URL[];
}

describeInChromium('sign-in and consent pages in Chromium (SPEC §5.1–5.3)', () => {
  let database: TestDatabase;
  let planes: ListeningPlanes;
  let browser: Browser;
  let tenant: SeededTenant;
  let tenantName: string;
  let relyingParty: SeededClient;
  let config: client.Configuration;
  let issuer: string;
  /** The client's redirect URI: a loopback port nothing listens on; the browser's request to it is intercepted. */
  let redirectUri: URL;
  const opened: BrowserContext[] = [];

  beforeAll(async () => {
    database = await createMigratedDatabase();
    planes = await startListeningPlanes(database.url);
    tenant = await seedTenant(planes, SLUG);
    tenantName = await tenantNameOf(tenant.id);
    issuer = `${planes.authOrigin}/t/${SLUG}`;
    redirectUri = new URL(`http://127.0.0.1:${await freePort()}/callback`);
    relyingParty = await seedClient(planes, tenant.id, { redirectUris: [redirectUri.href] });
    await planes.orm.em.fork().execute('update oauth_clients set name = ? where id = ?', [CLIENT_NAME, relyingParty.clientId]);
    config = await client.discovery(new URL(issuer), relyingParty.clientId, undefined, client.ClientSecretBasic(relyingParty.clientSecret!), {
      execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks],
    });
    browser = await chromium.launch({ executablePath: executablePath!, args: [...CHROMIUM_ARGS] });
  });

  afterAll(async () => {
    for (const context of opened) await context.close();
    await browser?.close();
    await planes?.close();
    await database?.drop();
  });

  async function tenantNameOf(tenantId: string): Promise<string> {
    const [row] = await planes.orm.em.fork().execute<{ name: string }[]>('select name from tenants where id = ?', [tenantId]);
    return row!.name;
  }

  let userCount = 0;
  /** A user of its own for each test, so lockout counters and remembered consents never leak between tests. */
  async function newUser(): Promise<SeededUser> {
    userCount += 1;
    return seedUser(planes, tenant, `user${userCount}@${SLUG}.example`, ['tenant_member']);
  }

  async function newAuthorization(scope = 'openid profile email'): Promise<Authorization> {
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri.href,
      scope,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
      state,
    });
    return { url, verifier, nonce, state };
  }

  const isCallback = (url: URL) => url.origin === redirectUri.origin && url.pathname === redirectUri.pathname;
  const isPage = (name: 'login' | 'consent') => (url: URL) => url.origin === planes.authOrigin && url.pathname === `/t/${SLUG}/${name}`;

  async function openBrowser(): Promise<BrowserUser> {
    const context = await browser.newContext();
    opened.push(context);
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const requests: URL[] = [];
    page.on('request', (request) => requests.push(new URL(request.url())));
    return { context, page, requests };
  }

  /**
   * Runs `navigate` and returns the URL the browser was finally sent to on the client's redirect
   * URI. Nothing listens there, so the browser's request is refused after Playwright has seen it
   * (request interception cannot answer it: Playwright does not route the targets of redirects);
   * the helper also waits for Chromium's error page, so the page can be used again.
   */
  async function arrivalAtClient(page: Page, navigate: () => Promise<unknown>): Promise<URL> {
    const [request] = await Promise.all([
      page.waitForEvent('requestfailed', { predicate: (request) => isCallback(new URL(request.url())) }),
      page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() && frame.url().startsWith('chrome-error:') }),
      navigate(),
    ]);
    expect(request.isNavigationRequest()).toBe(true);
    expect(request.failure()?.errorText).toBe('net::ERR_CONNECTION_REFUSED');
    return new URL(request.url());
  }

  /** page.goto for a navigation that ends on the client's redirect URI (where the browser's connection is refused). */
  function gotoClient(page: Page, url: URL): () => Promise<unknown> {
    return () =>
      page.goto(url.href).catch((error: unknown) => {
        if (!String(error).includes('net::ERR_CONNECTION_REFUSED')) throw error;
      });
  }

  /** Fills the sign-in form the way a person finds it: by the fields' labels and the button's name. */
  async function submitSignIn(page: Page, email: string, password: string): Promise<number> {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    const [response] = await Promise.all([
      page.waitForResponse((response) => response.request().method() === 'POST' && isPage('login')(new URL(response.url()))),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    return response.status();
  }

  /** From the authorization URL to the consent page: the sign-in page, then its form. */
  async function signInUntilConsent(page: Page, authorization: Authorization, user: SeededUser): Promise<void> {
    await page.goto(authorization.url.href);
    await page.waitForURL(isPage('login'));
    await submitSignIn(page, user.email, user.password);
    await page.waitForURL(isPage('consent'));
  }

  function answerConsent(page: Page, decision: 'Allow' | 'Deny'): Promise<URL> {
    return arrivalAtClient(page, () => page.getByRole('button', { name: decision, exact: true }).click());
  }

  function redeem(callback: URL, authorization: Authorization) {
    return client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: authorization.verifier,
      expectedNonce: authorization.nonce,
      expectedState: authorization.state,
      idTokenExpected: true,
    });
  }

  it('signs in and consents in Chromium; the relying party redeems the code, validates the ID token and reads UserInfo', async () => {
    const user = await newUser();
    const { page } = await openBrowser();
    const authorization = await newAuthorization();

    await page.goto(authorization.url.href);
    await page.waitForURL(isPage('login'));
    expect(await page.getByText(tenantName, { exact: true }).isVisible()).toBe(true);
    await submitSignIn(page, user.email, user.password);

    await page.waitForURL(isPage('consent'));
    expect(await page.getByRole('heading', { name: `${CLIENT_NAME} wants to` }).isVisible()).toBe(true);
    expect(await page.getByText(tenantName, { exact: true }).isVisible()).toBe(true);
    expect(await page.getByRole('listitem').allTextContents()).toHaveLength(3);

    const callback = await answerConsent(page, 'Allow');
    expect(callback.searchParams.get('state')).toBe(authorization.state);
    expect(callback.searchParams.get('iss')).toBe(issuer);
    expect(callback.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // openid-client checks iss, state, PKCE, the ID token's signature (non-repudiation checks on), iss, aud, nonce, exp.
    const tokens = await redeem(callback, authorization);
    expect(tokens.claims()).toMatchObject({ iss: issuer, aud: relyingParty.clientId, azp: relyingParty.clientId, sub: user.id, nonce: authorization.nonce });
    const userInfo = await client.fetchUserInfo(config, tokens.access_token, user.id);
    expect(userInfo).toMatchObject({ sub: user.id, email: user.email });
  });

  it('serves the sign-in page with a strict Content-Security-Policy and X-Frame-Options: DENY, and the page loads nothing from another origin', async () => {
    const { page, requests } = await openBrowser();
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });

    const response = await page.goto((await newAuthorization()).url.href);
    expect(response).not.toBeNull();
    expect(isPage('login')(new URL(response!.url()))).toBe(true);
    expect(response!.status()).toBe(200);
    const headers = response!.headers();

    const policy = headers['content-security-policy'];
    expect(policy).toBeDefined();
    const directives = parseCsp(policy!);
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('script-src') ?? directives.get('default-src')).toEqual(["'none'"]);
    expect(policy).not.toContain('unsafe-inline');
    expect(policy).not.toContain('unsafe-eval');
    expect([...directives.values()].flat()).not.toContain('*');
    expect(headers['x-frame-options']).toBe('DENY');

    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((url) => url.origin !== planes.authOrigin).map(String)).toEqual([]);
    // The page works under its own policy: Chromium reports no refused style, script or image.
    expect(consoleErrors.filter((text) => /Content Security Policy/i.test(text))).toEqual([]);
  });

  it('shows the same message for a wrong password as for an unknown email, without echoing the password', async () => {
    const user = await newUser();
    const { page } = await openBrowser();
    const authorization = await newAuthorization();
    await page.goto(authorization.url.href);
    await page.waitForURL(isPage('login'));

    expect(await submitSignIn(page, user.email, 'not-the-right-password')).toBe(401);
    const wrongPassword = (await page.getByRole('alert').textContent())?.trim();
    expect(await page.getByLabel('Password').inputValue()).toBe('');

    expect(await submitSignIn(page, `nobody@${SLUG}.example`, user.password)).toBe(401);
    const unknownEmail = (await page.getByRole('alert').textContent())?.trim();

    expect(wrongPassword).toBeTruthy();
    expect(unknownEmail).toBe(wrongPassword);
    expect(await page.getByRole('button', { name: 'Sign in' }).isVisible()).toBe(true);

    // The same page still signs the right user in.
    await submitSignIn(page, user.email, user.password);
    await page.waitForURL(isPage('consent'));
  });

  it('keeps the session in an HttpOnly, SameSite=Lax cookie scoped to Path=/t/{slug}', async () => {
    const user = await newUser();
    const { context, page } = await openBrowser();
    await signInUntilConsent(page, await newAuthorization(), user);

    const cookies = await context.cookies();
    const session = cookies.find((cookie) => cookie.name === SESSION_COOKIE);
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: `/t/${SLUG}`, domain: '127.0.0.1' });
    expect(session!.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookies.find((cookie) => cookie.name === BROWSER_COOKIE)).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: `/t/${SLUG}` });
    // HttpOnly for real: the page's own script context cannot read either cookie.
    expect(await page.evaluate<string>('document.cookie')).toBe('');
  });

  it('sends a second authorization in the same browser straight back to the client: the session and the remembered consent skip both pages', async () => {
    const user = await newUser();
    const { page, requests } = await openBrowser();
    const first = await newAuthorization();
    await signInUntilConsent(page, first, user);
    const firstTokens = await redeem(await answerConsent(page, 'Allow'), first);

    requests.length = 0;
    const second = await newAuthorization();
    const callback = await arrivalAtClient(page, gotoClient(page, second.url));
    expect(requests.map((url) => `${url.origin}${url.pathname}`)).toEqual([`${issuer}/authorize`, redirectUri.href]);

    const secondTokens = await redeem(callback, second);
    const [before, after] = [firstTokens.claims()!, secondTokens.claims()!];
    expect(after.sub).toBe(user.id);
    expect(after.sid).toBe(before.sid);
    expect(after.auth_time).toBe(before.auth_time);
  });

  it('sends Deny back to the client as error=access_denied with state and iss, and remembers nothing', async () => {
    const user = await newUser();
    const { page } = await openBrowser();
    const authorization = await newAuthorization();
    await signInUntilConsent(page, authorization, user);

    const callback = await answerConsent(page, 'Deny');
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(authorization.state);
    expect(callback.searchParams.get('iss')).toBe(issuer);
    expect(callback.searchParams.has('code')).toBe(false);
    await expect(redeem(callback, authorization)).rejects.toMatchObject({ error: 'access_denied' });

    // Denied scopes are not remembered: the next authorization asks again (the session skips the sign-in).
    await page.goto((await newAuthorization()).url.href);
    await page.waitForURL(isPage('consent'));
  });
});

/** The directives of a Content-Security-Policy header, each with its source list. */
function parseCsp(header: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of header.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), sources);
  }
  return directives;
}
