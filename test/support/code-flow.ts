import * as client from 'openid-client';
import { type AgentResponse, hiddenField, type UserAgent } from './user-agent.js';

export interface Credentials {
  readonly email: string;
  readonly password: string;
}

export interface CodeFlowOptions {
  readonly redirectUri: string;
  readonly scope?: string;
  readonly extra?: Record<string, string>;
  /** Answer the consent page with Allow (default) or Deny, if it is shown. */
  readonly consent?: 'allow' | 'deny';
}

export interface CodeFlowResult {
  /** The URL the server finally sent the browser to (the client's redirect URI with code or error). */
  readonly callback: URL;
  readonly verifier: string;
  readonly nonce: string;
  readonly state: string;
  readonly sawLogin: boolean;
  readonly sawConsent: boolean;
}

/**
 * Runs the front-channel part of the authorization code flow as a browser would, by submitting
 * the sign-in and consent forms. The relying-party side (URL, PKCE, nonce, state) is openid-client.
 */
export async function runCodeFlow(config: client.Configuration, agent: UserAgent, user: Credentials | null, options: CodeFlowOptions): Promise<CodeFlowResult> {
  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: options.redirectUri,
    scope: options.scope ?? 'openid profile email offline_access',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    nonce,
    state,
    ...options.extra,
  });
  const interaction = await completeInteraction(agent, await agent.get(url.toString()), user, options);
  return { ...interaction, verifier, nonce, state };
}

export interface InteractionResult {
  /** The URL the server finally sent the browser to (the client's redirect URI with code or error). */
  readonly callback: URL;
  readonly sawLogin: boolean;
  readonly sawConsent: boolean;
}

/**
 * Follows the authorization endpoint's answer (however the request was sent) through the sign-in
 * and consent pages, submitting their forms, until the server redirects to the client.
 */
export async function completeInteraction(
  agent: UserAgent,
  authorizeResponse: AgentResponse,
  user: Credentials | null,
  options: Pick<CodeFlowOptions, 'redirectUri' | 'consent'>,
): Promise<InteractionResult> {
  let response = authorizeResponse;
  let sawLogin = false;
  let sawConsent = false;
  for (let step = 0; step < 6; step++) {
    if (response.location?.startsWith(options.redirectUri)) return { callback: new URL(response.location), sawLogin, sawConsent };
    if (!response.location) throw new Error(`flow stopped at HTTP ${response.status}: ${response.body.slice(0, 300)}`);
    const page = await agent.get(response.location);
    const pageUrl = new URL(response.location);
    if (pageUrl.pathname.endsWith('/login')) {
      if (!user) throw new Error('sign-in page shown but no user given');
      sawLogin = true;
      response = await agent.postForm(`${pageUrl.origin}${pageUrl.pathname}`, {
        interaction: hiddenField(page.body, 'interaction'),
        csrf_token: hiddenField(page.body, 'csrf_token'),
        email: user.email,
        password: user.password,
      });
    } else if (pageUrl.pathname.endsWith('/consent')) {
      sawConsent = true;
      response = await agent.postForm(`${pageUrl.origin}${pageUrl.pathname}`, {
        interaction: hiddenField(page.body, 'interaction'),
        csrf_token: hiddenField(page.body, 'csrf_token'),
        decision: options.consent ?? 'allow',
      });
    } else {
      throw new Error(`unexpected page ${pageUrl.pathname} (HTTP ${page.status})`);
    }
  }
  throw new Error('too many steps');
}
