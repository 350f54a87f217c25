import { Inject, Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AppConfig } from '#platform/config/app-config.js';
import { APP_CONFIG } from '#platform/config/config.tokens.js';
import { uuidv7 } from '#platform/ids/uuidv7.js';
import { Clock } from '#platform/time/clock.js';
import { ConsentRepository } from '../consent/consent.repository.js';
import type { Issuer } from '../issuer/issuer.js';
import type { RegisteredClient } from '../issuer/issuer-client.repository.js';
import { hashOpaqueToken, newOpaqueToken } from '../tokens/opaque-token.js';
import { AuthorizationCodeRepository } from './authorization-code.repository.js';
import type { AuthorizationRequest } from './interaction.entity.js';
import { type InteractionRow, InteractionRepository } from './interaction.repository.js';
import { withQueryParameters } from './redirect-uri-builder.js';

/** The signed-in user as the authorization endpoint sees it (from the auth-plane session). */
export interface AuthenticatedUser {
  readonly userId: string;
  readonly sessionId: string;
  /** When the user signed in (the session's creation: sign-in always starts a new session). */
  readonly authTime: Date;
}

export type AuthorizationOutcome =
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'interaction'; readonly step: 'login' | 'consent'; readonly handle: string };

/** What the user has just done in this interaction, so the same requirement is not asked twice. */
export interface Completed {
  readonly login?: boolean;
  readonly consent?: boolean;
}

/**
 * The decisions of the authorization endpoint once the request is valid (SPEC §5.1): sign-in
 * when there is no session, `prompt=login` or an older sign-in than `max_age`; consent unless
 * the client is first-party or the user granted these scopes before; then a code. With
 * `prompt=none` any needed interaction is an error instead. Interactions are stored server-side
 * and bound to the browser; the browser only carries their opaque handle.
 */
@Injectable()
export class AuthorizationService {
  constructor(
    private readonly interactions: InteractionRepository,
    private readonly codes: AuthorizationCodeRepository,
    private readonly consents: ConsentRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async decide(issuer: Issuer, client: RegisteredClient, request: AuthorizationRequest, user: AuthenticatedUser | null, browserSecret: string, completed: Completed = {}): Promise<AuthorizationOutcome> {
    const now = this.clock.now();
    const prompt = new Set(request.prompt);
    const tooOld = user !== null && request.maxAge !== undefined && now.getTime() - user.authTime.getTime() > request.maxAge * 1000;
    if (!completed.login && (user === null || prompt.has('login') || tooOld)) {
      if (prompt.has('none')) return this.errorRedirect(issuer, request, 'login_required', 'The user is not signed in.');
      return this.startInteraction(issuer, request, null, 'login', browserSecret);
    }
    const signedIn = user!;
    if (!completed.consent && !client.firstParty && (prompt.has('consent') || !(await this.covered(issuer, signedIn.userId, client.id, request.scope)))) {
      if (prompt.has('none')) return this.errorRedirect(issuer, request, 'consent_required', 'The user has not granted these scopes.');
      return this.startInteraction(issuer, request, signedIn, 'consent', browserSecret);
    }
    return { kind: 'redirect', location: await this.issueCode(issuer, client, request, signedIn) };
  }

  /** Whether a live interaction, found by its handle, was started by this browser. */
  startedBy(interaction: InteractionRow, handle: string, browserSecret: string | undefined): boolean {
    if (!browserSecret || !isInteractionHandle(handle)) return false;
    const expected = Buffer.from(interaction.bindingHash, 'hex');
    const actual = Buffer.from(hashOpaqueToken(browserSecret), 'hex');
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  async attachUser(issuer: Issuer, interaction: InteractionRow, user: AuthenticatedUser): Promise<void> {
    await this.interactions.attachUser(issuer.tenant.id, interaction.id, user.userId, user.sessionId);
  }

  async finish(issuer: Issuer, interaction: InteractionRow): Promise<void> {
    await this.interactions.delete(issuer.tenant.id, interaction.id);
  }

  /** Remembers the granted scopes together with their audit event (`AuditWriter.values`). */
  async rememberConsent(issuer: Issuer, userId: string, clientId: string, scope: string, audit: readonly unknown[]): Promise<void> {
    await this.consents.grant(issuer.tenant.id, userId, clientId, scope.split(' '), this.clock.now(), audit);
  }

  /** RFC 6749 §4.1.2.1 with RFC 9207 `iss`: an error sent back to the client. */
  errorRedirect(issuer: Issuer, request: Pick<AuthorizationRequest, 'redirectUri' | 'state'>, error: string, description: string): AuthorizationOutcome {
    return { kind: 'redirect', location: withQueryParameters(request.redirectUri, { error, error_description: description, state: request.state, iss: issuer.url }) };
  }

  private async covered(issuer: Issuer, userId: string, clientId: string, scope: string): Promise<boolean> {
    const granted = new Set(await this.consents.grantedScopes(issuer.tenant.id, userId, clientId));
    return scope.split(' ').every((requested) => granted.has(requested));
  }

  private async startInteraction(issuer: Issuer, request: AuthorizationRequest, user: AuthenticatedUser | null, step: 'login' | 'consent', browserSecret: string): Promise<AuthorizationOutcome> {
    const handle = newOpaqueToken();
    const now = this.clock.now();
    await this.interactions.insert({
      id: uuidv7(now.getTime()),
      handleHash: hashOpaqueToken(handle),
      tenantId: issuer.tenant.id,
      bindingHash: hashOpaqueToken(browserSecret),
      request,
      userId: user?.userId ?? null,
      sessionId: user?.sessionId ?? null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.config.interactionTtlSeconds * 1000),
    });
    return { kind: 'interaction', step, handle };
  }

  private async issueCode(issuer: Issuer, client: RegisteredClient, request: AuthorizationRequest, user: AuthenticatedUser): Promise<string> {
    const code = newOpaqueToken();
    const now = this.clock.now();
    await this.codes.insert({
      id: uuidv7(now.getTime()),
      tenantId: issuer.tenant.id,
      clientId: client.id,
      userId: user.userId,
      sessionId: user.sessionId,
      codeHash: hashOpaqueToken(code),
      redirectUri: request.redirectUri,
      scope: request.scope,
      nonce: request.nonce ?? null,
      codeChallenge: request.codeChallenge,
      authTime: user.authTime,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.config.authorizationCodeTtlSeconds * 1000),
    });
    return withQueryParameters(request.redirectUri, { code, state: request.state, iss: issuer.url });
  }
}

/** The CSRF token of an interaction's forms: bound to the browser secret and the interaction. */
export function interactionFormToken(browserSecret: string, handle: string): string {
  return createHmac('sha256', browserSecret).update(`opentrusty/interaction/${handle}`).digest('base64url');
}

export function interactionFormTokenMatches(browserSecret: string, handle: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(interactionFormToken(browserSecret, handle));
  const actual = Buffer.from(presented);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Interaction handles are 32 random bytes in base64url, like every opaque token here. */
export function isInteractionHandle(handle: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(handle);
}
