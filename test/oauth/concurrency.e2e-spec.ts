import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import { PASSWORD, seedTenant, seedUser, type SeededUser } from '../support/admin-api.js';
import { type CliRun, freePort, runCli, startCli, waitForStatus } from '../support/cli-process.js';
import { runCodeFlow } from '../support/code-flow.js';
import { hashClientSecret, newClientSecret } from '#oauth/clients/client-secret.js';
import { seedClient, type SeededClient } from '../support/oauth-clients.js';
import { authorizeUrl, basicAuthorization, type HttpAnswer, httpGet, jsonOf, newPkcePair, postForm } from '../support/oauth-http.js';
import { startTestPlanes, type TestPlanes } from '../support/test-planes.js';
import { createMigratedDatabase, type TestDatabase } from '../support/test-database.js';
import { UserAgent } from '../support/user-agent.js';

/**
 * SPEC §9 "Concurrency" and §8 "Scale-out": two `opentrusty serve` processes on one database
 * behave like one. One authorization code redeemed, and one refresh token rotated, by 20
 * parallel requests spread over both processes succeed exactly once; the other 19 are
 * invalid_grant, and as replays they revoke what the one success issued (SPEC §5.4). A browser
 * session started through one process works, and ends, through the other; a key rotation made by
 * a third process is published and used by both. (Shared rate limits: test/operations/rate-limits.)
 */

const KEY_ENCRYPTION_KEY = randomBytes(32).toString('base64');
const SLUG = 'race-co';
const REDIRECT = 'http://127.0.0.1:9999/callback';
const PARALLEL_REQUESTS = 20;
/** Each race is run a few times: a lost update that shows up only sometimes should still show up. */
const ROUNDS = 3;

interface ServerProcess {
  readonly name: string;
  /** Where this process listens (requests go here); its issuer is the shared public URL. */
  readonly origin: string;
  readonly run: CliRun;
}

/** `opentrusty serve --plane auth` on its own port, with the public URL every replica shares. */
function startServer(name: string, databaseUrl: string, authPort: number, adminPort: number, publicUrl: string): ServerProcess {
  const run = startCli(['serve', '--plane', 'auth'], {
    OPENTRUSTY_DATABASE_URL: databaseUrl,
    OPENTRUSTY_KEY_ENCRYPTION_KEY: KEY_ENCRYPTION_KEY,
    OPENTRUSTY_PUBLIC_URL: publicUrl,
    OPENTRUSTY_HOST: '127.0.0.1',
    OPENTRUSTY_AUTH_PORT: String(authPort),
    OPENTRUSTY_ADMIN_PORT: String(adminPort),
    OPENTRUSTY_LOG_LEVEL: 'warn',
    // The seeded password hash uses these parameters, so sign-in does not rehash it.
    OPENTRUSTY_ARGON2_MEMORY_KIB: '4096',
    OPENTRUSTY_ARGON2_TIME_COST: '1',
    OPENTRUSTY_KEY_CACHE_SECONDS: '1',
    // An hour: a process keeps every client it reads; only the row versions tell it a copy is outdated.
    OPENTRUSTY_CLIENT_CACHE_SECONDS: '3600',
  });
  return { name, origin: `http://127.0.0.1:${authPort}`, run };
}

async function waitUntilReady(server: ServerProcess): Promise<void> {
  const exitedEarly = server.run.exited.then((code) => {
    throw new Error(`${server.name} exited with ${code} before it was ready:\n${server.run.output.stderr}\n${server.run.output.stdout}`.slice(0, 4000));
  });
  await Promise.race([waitForStatus(`${server.origin}/health/ready`, 200, 45_000), exitedEarly]);
  exitedEarly.catch(() => undefined);
}

async function stop(server: ServerProcess): Promise<number | null> {
  if (server.run.child.exitCode === null && server.run.child.signalCode === null) server.run.child.kill('SIGTERM');
  return server.run.exited;
}

/** How the answers of one race turned out, e.g. `{ "200": 1, "400 invalid_grant": 19 }`. */
function tally(answers: readonly HttpAnswer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const answer of answers) {
    let outcome = String(answer.status);
    if (answer.status !== 200) {
      try {
        outcome += ` ${String(jsonOf(answer).error)}`;
      } catch {
        outcome += ` ${answer.text.slice(0, 80)}`;
      }
    }
    counts[outcome] = (counts[outcome] ?? 0) + 1;
  }
  return counts;
}

describe('two server processes on one database (SPEC §8, §9 concurrency)', () => {
  let database: TestDatabase;
  let seeding: TestPlanes;
  let servers: ServerProcess[] = [];
  let user: SeededUser;
  let rp: SeededClient;
  let issuer: string;
  /** openid-client against the first process only: the front channel runs there. */
  let frontChannel: client.Configuration;
  let agent: UserAgent;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    const [firstAuth, firstAdmin, secondAuth, secondAdmin] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const publicUrl = `http://127.0.0.1:${firstAuth}`;
    issuer = `${publicUrl}/t/${SLUG}`;
    servers = [startServer('process 1', database.url, firstAuth, firstAdmin, publicUrl), startServer('process 2', database.url, secondAuth, secondAdmin, publicUrl)];

    // Seeding in this process, with the same key-encryption key, so both servers can read the tenant's signing key.
    seeding = await startTestPlanes(database.url, { OPENTRUSTY_KEY_ENCRYPTION_KEY: KEY_ENCRYPTION_KEY, OPENTRUSTY_PUBLIC_URL: publicUrl });
    const tenant = await seedTenant(seeding, SLUG);
    user = await seedUser(seeding, tenant, `ada@${SLUG}.example`, ['tenant_member']);
    rp = await seedClient(seeding, tenant.id, { redirectUris: [REDIRECT], firstParty: true });

    await Promise.all(servers.map(waitUntilReady));
    frontChannel = await client.discovery(new URL(issuer), rp.clientId, undefined, client.ClientSecretBasic(rp.clientSecret!), { execute: [client.allowInsecureRequests] });
    agent = new UserAgent();
  }, 90_000);

  afterAll(async () => {
    await Promise.all(servers.map(stop));
    await seeding?.close();
    await database?.drop();
  });

  /** The i-th of a burst of requests goes to process 1, 2, 1, 2, ... */
  const serverFor = (index: number) => servers[index % servers.length]!;
  const credentials = () => basicAuthorization(rp.clientId, rp.clientSecret!);

  /** A fresh code, obtained through the first process's sign-in page (once) and authorize endpoint, not redeemed. */
  async function unredeemedCode(): Promise<{ code: string; verifier: string }> {
    const flow = await runCodeFlow(frontChannel, agent, { email: user.email, password: PASSWORD }, { redirectUri: REDIRECT, scope: 'openid offline_access' });
    expect(flow.callback.searchParams.get('iss')).toBe(issuer);
    return { code: flow.callback.searchParams.get('code')!, verifier: flow.verifier };
  }

  function redeem(server: ServerProcess, code: string, verifier: string): Promise<HttpAnswer> {
    return postForm(`${server.origin}/t/${SLUG}/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, { authorization: credentials() });
  }

  function refresh(server: ServerProcess, refreshToken: string): Promise<HttpAnswer> {
    return postForm(`${server.origin}/t/${SLUG}/token`, { grant_type: 'refresh_token', refresh_token: refreshToken }, { authorization: credentials() });
  }

  async function introspect(server: ServerProcess, token: string): Promise<Record<string, unknown>> {
    const answer = await postForm(`${server.origin}/t/${SLUG}/introspect`, { token }, { authorization: credentials() });
    expect(answer.status).toBe(200);
    return jsonOf(answer);
  }

  /**
   * Fires all requests at once and waits for every answer. A burst of probes first opens (and
   * leaves open, keep-alive) one connection per request, so the real requests do not queue
   * behind connection setup and reach the servers as close together as possible.
   */
  async function burst(request: (server: ServerProcess) => Promise<HttpAnswer>): Promise<HttpAnswer[]> {
    const each = (send: (server: ServerProcess) => Promise<HttpAnswer>) => Promise.all(Array.from({ length: PARALLEL_REQUESTS }, (_, index) => send(serverFor(index))));
    await each((server) => httpGet(`${server.origin}/health/live`));
    return each(request);
  }

  /** The one successful answer's tokens; the failures must carry none. */
  function winnerOf(answers: readonly HttpAnswer[]): { access_token: string; refresh_token: string } {
    expect(tally(answers)).toEqual({ '200': 1, '400 invalid_grant': PARALLEL_REQUESTS - 1 });
    for (const answer of answers.filter((each) => each.status !== 200)) expect(Object.keys(jsonOf(answer)).sort()).toEqual(['error', 'error_description']);
    const body = jsonOf(answers.find((answer) => answer.status === 200)!);
    expect(body.access_token).toEqual(expect.any(String));
    expect(body.refresh_token).toEqual(expect.any(String));
    return body as { access_token: string; refresh_token: string };
  }

  it('serves one issuer from both processes: same discovery document and the same signing keys', async () => {
    const documents = await Promise.all(servers.map(async (server) => jsonOf(await httpGet(`${server.origin}/t/${SLUG}/.well-known/openid-configuration`))));
    expect(documents[0]!.issuer).toBe(issuer);
    expect(documents[1]).toEqual(documents[0]);
    const keys = await Promise.all(servers.map(async (server) => jsonOf(await httpGet(`${server.origin}/t/${SLUG}/jwks`))));
    expect((keys[0]!.keys as unknown[]).length).toBeGreaterThan(0);
    expect(keys[1]).toEqual(keys[0]);
  });

  it(`redeems one authorization code at most once when ${PARALLEL_REQUESTS} redemptions race across both processes, and the replays revoke the winner's tokens`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { code, verifier } = await unredeemedCode();
      const winner = winnerOf(await burst((server) => redeem(server, code, verifier)));

      // SPEC §5.4: a second redemption revokes every token issued from the code, on every replica.
      for (const server of servers) {
        expect(await introspect(server, winner.access_token)).toEqual({ active: false });
        expect(await introspect(server, winner.refresh_token)).toEqual({ active: false });
      }
      expect(tally([await refresh(servers[1]!, winner.refresh_token)])).toEqual({ '400 invalid_grant': 1 });
      expect(tally([await redeem(servers[0]!, code, verifier)])).toEqual({ '400 invalid_grant': 1 });
    }
  });

  it(`rotates one refresh token at most once when ${PARALLEL_REQUESTS} refreshes race across both processes, and reuse detection revokes the family`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { code, verifier } = await unredeemedCode();
      const first = await redeem(servers[1]!, code, verifier);
      expect(first.status).toBe(200);
      const original = jsonOf(first) as { access_token: string; refresh_token: string };
      expect(await introspect(servers[0]!, original.refresh_token)).toMatchObject({ active: true, token_type: 'refresh_token' });

      const winner = winnerOf(await burst((server) => refresh(server, original.refresh_token)));
      expect(winner.refresh_token).not.toBe(original.refresh_token);

      // SPEC §5.4: presenting the already-rotated token revokes the whole family, the new tokens included.
      for (const server of servers) {
        for (const token of [winner.access_token, winner.refresh_token, original.access_token, original.refresh_token]) {
          expect(await introspect(server, token)).toEqual({ active: false });
        }
      }
      expect(tally([await refresh(servers[0]!, winner.refresh_token)])).toEqual({ '400 invalid_grant': 1 });
    }
  });

  /** Redeems a code at `server` and returns its token answer. */
  async function tokensAt(server: ServerProcess, code: string, verifier: string): Promise<{ access_token: string; id_token: string; refresh_token?: string }> {
    const answer = await redeem(server, code, verifier);
    expect(answer.status).toBe(200);
    return jsonOf(answer) as { access_token: string; id_token: string };
  }

  const headerOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString('utf8')) as { kid: string };
  const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

  it('shares browser sessions: signed in through one process, continued and then ended through the other', async () => {
    const browser = new UserAgent();
    const first = await runCodeFlow(frontChannel, browser, { email: user.email, password: PASSWORD }, { redirectUri: REDIRECT, scope: 'openid' });
    expect(first.sawLogin).toBe(true);
    const firstTokens = await tokensAt(servers[0]!, first.callback.searchParams.get('code')!, first.verifier);

    // The same browser at process 2: no sign-in page, straight back to the client with a code of the same session.
    const pkce = newPkcePair();
    const atSecond = await browser.get(authorizeUrl(`${servers[1]!.origin}/t/${SLUG}`, rp.clientId, REDIRECT, pkce, { scope: 'openid' }));
    expect(atSecond.location).toMatch(new RegExp(`^${REDIRECT}\\?`));
    const secondTokens = await tokensAt(servers[1]!, new URL(atSecond.location!).searchParams.get('code')!, pkce.verifier);
    expect(claimsOf(secondTokens.id_token).sid).toBe(claimsOf(firstTokens.id_token).sid);

    // Logging out through process 2 ends the session for process 1 too.
    const logout = await browser.get(`${servers[1]!.origin}/t/${SLUG}/logout?${new URLSearchParams({ id_token_hint: secondTokens.id_token }).toString()}`);
    expect(logout.status).toBeLessThan(400);
    const again = await browser.get(authorizeUrl(`${servers[0]!.origin}/t/${SLUG}`, rp.clientId, REDIRECT, newPkcePair(), { scope: 'openid' }));
    expect(new URL(again.location!).pathname).toBe(`/t/${SLUG}/login`);
  });

  it('agrees on a key rotation made elsewhere: both publish the new key and sign with it', async () => {
    const initial = await unredeemedCode();
    const before = headerOf((await tokensAt(servers[0]!, initial.code, initial.verifier)).id_token).kid;
    const rotation = await runCli(['keys', 'rotate', '--tenant', SLUG, '--now'], {
      OPENTRUSTY_DATABASE_URL: database.url,
      OPENTRUSTY_KEY_ENCRYPTION_KEY: KEY_ENCRYPTION_KEY,
      OPENTRUSTY_LOG_LEVEL: 'warn',
    });
    expect(rotation.code).toBe(0);

    // Each process re-reads keys after its key cache expires (OPENTRUSTY_KEY_CACHE_SECONDS, 1 s here).
    const deadline = Date.now() + 30_000;
    let kids: string[] = [];
    while (Date.now() < deadline) {
      kids = [];
      for (const server of servers) {
        const { code, verifier } = await unredeemedCode();
        kids.push(headerOf((await tokensAt(server, code, verifier)).id_token).kid);
      }
      if (kids.every((kid) => kid !== before)) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(kids[0]).not.toBe(before);
    expect(kids[1]).toBe(kids[0]);
    for (const server of servers) {
      const published = (jsonOf(await httpGet(`${server.origin}/t/${SLUG}/jwks`)).keys as { kid: string }[]).map((key) => key.kid);
      // The new key signs; the old one stays published until the tokens it signed have expired.
      expect(published).toEqual(expect.arrayContaining([kids[0], before]));
    }
  });

  it('acts on a client kept in memory only while its rows are unchanged: a change committed anywhere takes effect at the next request on both processes', async () => {
    const tenantId = (await seeding.orm.em.fork().execute<{ id: string }[]>(`select id from tenants where slug = ?`, [SLUG]))[0]!.id;
    const service = await seedClient(seeding, tenantId, { grantTypes: ['client_credentials'], scopes: ['api:read'] });
    const grant = (server: ServerProcess, secret: string) =>
      postForm(`${server.origin}/t/${SLUG}/token`, { grant_type: 'client_credentials' }, { authorization: basicAuthorization(service.clientId, secret) });
    const introspect = (server: ServerProcess, secret: string, token: string) =>
      postForm(`${server.origin}/t/${SLUG}/introspect`, { token }, { authorization: basicAuthorization(service.clientId, secret) });
    const statusAt = async (secret: string) => Promise.all(servers.map(async (server) => (await grant(server, secret)).status));
    const sql = (text: string, params: unknown[] = []) => seeding.orm.em.fork().execute(text, params);
    const issuedCount = async () => (await sql(`select count(*)::int as n from oauth_access_tokens where client_id = ?`, [service.clientId]))[0]!.n as number;

    // Both processes read the client and keep it (for an hour, see serverProcess).
    expect(await statusAt(service.clientSecret!)).toEqual([200, 200]);
    const token = jsonOf(await grant(servers[0]!, service.clientSecret!)).access_token as string;

    // A change that leaves the client acceptable: the copy is outdated, the grant is judged again
    // on a fresh read and succeeds.
    await sql(`update oauth_clients set name = 'Renamed' where id = ?`, [service.clientId]);
    expect(await statusAt(service.clientSecret!)).toEqual([200, 200]);

    // A secret rotation committed anywhere: at once, the old secret is refused by both and nothing
    // is issued to it, and the new one works.
    const rotated = newClientSecret();
    await sql(`update oauth_clients set secret_hash = ? where id = ?`, [hashClientSecret(rotated), service.clientId]);
    const before = await issuedCount();
    expect(await statusAt(service.clientSecret!)).toEqual([401, 401]);
    expect(await issuedCount()).toBe(before);
    expect(await statusAt(rotated)).toEqual([200, 200]);
    expect((await introspect(servers[1]!, service.clientSecret!, token)).status).toBe(401);
    expect(jsonOf(await introspect(servers[1]!, rotated, token))).toMatchObject({ active: true });

    // A suspended tenant, then a disabled client: refused at once, for introspection (asked first,
    // while the process's copy still says active) and for grants.
    await sql(`update tenants set status = 'suspended' where id = ?`, [tenantId]);
    expect((await introspect(servers[0]!, rotated, token)).status).toBe(403);
    expect(await statusAt(rotated)).toEqual([403, 403]);
    await sql(`update tenants set status = 'active' where id = ?`, [tenantId]);
    expect(await statusAt(rotated)).toEqual([200, 200]);
    await sql(`update oauth_clients set status = 'disabled' where id = ?`, [service.clientId]);
    expect((await introspect(servers[1]!, rotated, token)).status).toBe(401);
    expect(await statusAt(rotated)).toEqual([401, 401]);
    await sql(`update oauth_clients set status = 'active' where id = ?`, [service.clientId]);
    // A refusal is never made on the copy either: the client enabled again is accepted at once.
    expect(await statusAt(rotated)).toEqual([200, 200]);

    // A scope taken away: refused at once although the copy still allows it.
    await sql(`update oauth_clients set scopes = '["api:write"]' where id = ?`, [service.clientId]);
    const narrowed = (server: ServerProcess) =>
      postForm(`${server.origin}/t/${SLUG}/token`, { grant_type: 'client_credentials', scope: 'api:read' }, { authorization: basicAuthorization(service.clientId, rotated) });
    expect(await Promise.all(servers.map(async (server) => jsonOf(await narrowed(server)).error))).toEqual(['invalid_scope', 'invalid_scope']);
  });

  it('both processes stop cleanly on SIGTERM', async () => {
    await Promise.all(servers.map(stop));
    const outcomes = servers.map((server) => ({ name: server.name, exitCode: server.run.child.exitCode, signal: server.run.child.signalCode }));
    expect(outcomes).toEqual(servers.map((server) => ({ name: server.name, exitCode: 0, signal: null })));
  });
});
