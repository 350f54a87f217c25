// A browser without JavaScript for one authorization code flow against the auth plane (the same
// idea as test/support/user-agent.ts, in plain .mjs): a cookie jar that honours Path, no automatic
// redirects, the hidden fields of the server-rendered forms; plus the relying party's side (PKCE
// S256, state, nonce, code redemption, UserInfo). Every HTTP request goes through `step`, so a
// caller can count what the server did for each one.
import { createHash, randomBytes } from 'node:crypto';

export class CookieAgent {
  #cookies = [];

  async get(url) {
    return this.#send(url, { method: 'GET' });
  }

  async postForm(url, fields, headers = {}) {
    return this.#send(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });
  }

  async #send(url, init) {
    const target = new URL(url);
    const cookie = this.#cookies.filter((c) => target.pathname.startsWith(c.path)).map((c) => `${c.name}=${c.value}`).join('; ');
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...init.headers, ...(cookie ? { cookie } : {}) } });
    for (const header of res.headers.getSetCookie()) this.#store(header);
    const location = res.headers.get('location');
    return { status: res.status, location: location ? new URL(location, url).toString() : undefined, body: await res.text(), headers: res.headers };
  }

  #store(header) {
    const [pair, ...attributes] = header.split(';').map((p) => p.trim());
    const i = pair.indexOf('=');
    const name = pair.slice(0, i);
    const value = pair.slice(i + 1);
    const path = attributes.find((a) => /^path=/i.test(a))?.slice(5) ?? '/';
    const expired = attributes.some((a) => /^expires=Thu, 01 Jan 1970/i.test(a) || /^max-age=0$/i.test(a));
    this.#cookies = this.#cookies.filter((c) => !(c.name === name && c.path === path));
    if (!expired && value !== '') this.#cookies.push({ name, value, path });
  }
}

export function hiddenField(page, name) {
  const m = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(page);
  if (!m) throw new Error(`no hidden field ${name} in page: ${page.slice(0, 400)}`);
  return m[1].replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code)));
}

export const basicAuth = (id, secret) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/**
 * One complete flow: authorize → sign-in page → POST sign-in → consent page → POST allow →
 * redirect with the code → token (authorization_code, PKCE) → UserInfo.
 * @param step async (label, fn) => fn's result; wraps every request (e.g. to capture its SQL)
 * @returns { steps: [labels], tokens }
 */
export async function runCodeFlow({ issuer, client, redirectUri, user, scope = 'openid profile email offline_access', step = (_label, fn) => fn() }) {
  const agent = new CookieAgent();
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(16).toString('base64url');
  const nonce = randomBytes(16).toString('base64url');
  const authorize = new URL(`${issuer}/authorize`);
  for (const [k, v] of Object.entries({ response_type: 'code', client_id: client.clientId, redirect_uri: redirectUri, scope, state, nonce, code_challenge: challenge, code_challenge_method: 'S256' })) authorize.searchParams.set(k, v);

  const pathOf = (url) => new URL(url).pathname.replace(/^\/t\/[^/]+/, '');
  let response = await step('GET /authorize', () => agent.get(authorize.toString()));
  const labels = ['GET /authorize'];
  let sawLogin = false;
  let sawConsent = false;
  for (let hop = 0; hop < 8 && !response.location?.startsWith(redirectUri); hop += 1) {
    if (!response.location) throw new Error(`flow stopped at HTTP ${response.status}: ${response.body.slice(0, 300)}`);
    const target = response.location;
    const path = pathOf(target);
    const page = await step(`GET ${path}`, () => agent.get(target));
    labels.push(`GET ${path}`);
    if (page.location) { response = page; continue; }
    const action = `${new URL(target).origin}${new URL(target).pathname}`;
    if (path === '/login') {
      sawLogin = true;
      response = await step('POST /login', () => agent.postForm(action, { interaction: hiddenField(page.body, 'interaction'), csrf_token: hiddenField(page.body, 'csrf_token'), email: user.email, password: user.password }));
      labels.push('POST /login');
    } else if (path === '/consent') {
      sawConsent = true;
      response = await step('POST /consent', () => agent.postForm(action, { interaction: hiddenField(page.body, 'interaction'), csrf_token: hiddenField(page.body, 'csrf_token'), decision: 'allow' }));
      labels.push('POST /consent (allow)');
    } else {
      throw new Error(`unexpected page ${path} (HTTP ${page.status}): ${page.body.slice(0, 300)}`);
    }
  }
  const callback = new URL(response.location ?? '');
  const code = callback.searchParams.get('code');
  if (!code || callback.searchParams.get('state') !== state) throw new Error(`no code in ${callback}`);

  const tokenResponse = await step('POST /token (authorization_code)', async () => {
    const res = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(client.clientId, client.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }).toString(),
    });
    return { status: res.status, json: await res.json() };
  });
  labels.push('POST /token (authorization_code)');
  if (tokenResponse.status !== 200 || !tokenResponse.json.access_token || !tokenResponse.json.id_token) throw new Error(`code redemption: ${tokenResponse.status} ${JSON.stringify(tokenResponse.json)}`);

  const userinfo = await step('GET /userinfo', async () => {
    const res = await fetch(`${issuer}/userinfo`, { headers: { authorization: `Bearer ${tokenResponse.json.access_token}` } });
    return { status: res.status, json: await res.json() };
  });
  labels.push('GET /userinfo');
  if (userinfo.status !== 200 || !userinfo.json.sub) throw new Error(`userinfo: ${userinfo.status} ${JSON.stringify(userinfo.json)}`);
  return { labels, sawLogin, sawConsent, tokens: tokenResponse.json, userinfo: userinfo.json };
}
