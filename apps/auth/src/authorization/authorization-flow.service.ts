import { Injectable } from '@nestjs/common';
import { AuditWriter } from '#audit/audit-writer.js';
import { EntityManager } from '@mikro-orm/postgresql';
import { type ClientInfo, SessionService } from '#identity/session.service.js';
import { InvalidCredentialsError, SignInService } from '#identity/sign-in.service.js';
import { RateLimitedError } from '#platform/rate-limit/rate-limit-rule.js';
import { checkAuthorizationRequest, checkClientAndRedirect } from '#oauth/authorization/authorization-request.js';
import { AuthorizationPageError } from '#oauth/authorization/authorization-errors.js';
import {
  type AuthenticatedUser,
  type AuthorizationOutcome,
  AuthorizationService,
  interactionFormToken,
  interactionFormTokenMatches,
} from '#oauth/authorization/authorization.service.js';
import type { InteractionRow } from '#oauth/authorization/interaction.repository.js';
import type { OAuthParameters } from '#oauth/http/form-parameters.js';
import { type Issuer, issuerUrl } from '#oauth/issuer/issuer.js';
import { type IssuerAndClient, IssuerClientRepository, type RegisteredClient } from '#oauth/issuer/issuer-client.repository.js';
import { hashOpaqueToken } from '#oauth/tokens/opaque-token.js';
import { IdTokenHints } from '#oauth/tokens/id-token-hint.js';
import { TokenRepository } from '#oauth/tokens/token.repository.js';
import { Clock } from '#platform/time/clock.js';
import { OAuthError } from '#oauth/oauth-error.js';
import { isUuid } from '#platform/ids/uuidv7.js';
import { Inject } from '@nestjs/common';
import type { AppConfig } from '#platform/config/app-config.js';
import { APP_CONFIG } from '#platform/config/config.tokens.js';
import type { ConsentPageModel } from '../pages/consent.page.js';
import type { InteractionPageModel } from '../pages/interaction-page.model.js';
import type { LoginPageModel } from '../pages/login.page.js';
import { SignedInUser } from '../session/signed-in-user.js';

/** Where the browser goes next, or which page it sees. */
export type FlowStep =
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'login'; readonly page: LoginView }
  | { readonly kind: 'consent'; readonly page: ConsentView };

/** The pages' models are what the flow produces. */
export type InteractionView = InteractionPageModel;
export type LoginView = LoginPageModel;
export type ConsentView = ConsentPageModel;

export interface SignInResult {
  readonly step: FlowStep;
  /** Set when the user signed in: the new session's cookie value. */
  readonly sessionToken?: string;
}

const EXPIRED = new AuthorizationPageError(400, 'This sign-in has expired', 'Go back to the application and start again.');

/**
 * The browser side of an authorization (SPEC §5.1–5.2): the authorize request, the sign-in page
 * and its submission, the consent page and its decision. Each step works from the stored
 * interaction, never from a URL the browser supplies.
 */
@Injectable()
export class AuthorizationFlow {
  constructor(
    private readonly em: EntityManager,
    private readonly clients: IssuerClientRepository,
    private readonly tokens: TokenRepository,
    private readonly authorization: AuthorizationService,
    private readonly signIn: SignInService,
    private readonly sessions: SessionService,
    private readonly signedIn: SignedInUser,
    private readonly hints: IdTokenHints,
    private readonly audit: AuditWriter,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async authorize(slug: string, parameters: OAuthParameters, sessionToken: string | undefined, browserSecret: () => string): Promise<FlowStep> {
    const { issuer, client: found } = await this.issuerAndClient(slug, parameters.client_id);
    const { client, redirectUri } = checkClientAndRedirect(parameters, found);
    const request = checkAuthorizationRequest(parameters, client, redirectUri, issuer.url);
    let user = await this.signedIn.of(issuer, sessionToken);
    if (parameters.id_token_hint !== undefined) {
      // OIDC Core §3.1.2.1: the hint names the user the client expects. Someone else signed in
      // counts as nobody: a sign-in is needed, or login_required with prompt=none.
      const hint = await this.hints.read(issuer, parameters.id_token_hint);
      if (!hint || hint.audience !== client.id) {
        return this.toStep(issuer, this.authorization.errorRedirect(issuer, request, 'invalid_request', 'id_token_hint is not an ID token this issuer gave this client.'));
      }
      if (user?.userId !== hint.subject) user = null;
    }
    return this.toStep(issuer, await this.authorization.decide(issuer, client, request, user, browserSecret()));
  }

  async showLogin(slug: string, handle: string | undefined, browserSecret: string | undefined): Promise<LoginView> {
    const { issuer, interaction, client } = await this.interaction(slug, handle, browserSecret);
    return { ...this.view(issuer, client, interaction, handle!, browserSecret!), ...(interaction.request.loginHint ? { email: interaction.request.loginHint } : {}) };
  }

  /** Checks the password; on success rotates the session and continues the authorization. */
  async submitLogin(slug: string, form: OAuthParameters, sessionToken: string | undefined, browserSecret: string | undefined, clientInfo: ClientInfo): Promise<SignInResult> {
    const { issuer, interaction, client } = await this.interaction(slug, form.interaction, browserSecret);
    this.assertFormToken(browserSecret!, form.interaction!, form.csrf_token);
    const view = this.view(issuer, client, interaction, form.interaction!, browserSecret!);
    if (!form.email || !form.password) return { step: { kind: 'login', page: { ...view, email: form.email ?? '', error: 'Enter your email and password.', status: 400 } } };
    let outcome;
    try {
      outcome = await this.signIn.signIn(issuer.tenant.slug, form.email, form.password, 'auth');
    } catch (error) {
      if (error instanceof RateLimitedError) {
        const message = 'Too many sign-in attempts. Wait a moment and try again.';
        return { step: { kind: 'login', page: { ...view, email: form.email, error: message, status: 429, retryAfterSeconds: error.retryAfterSeconds } } };
      }
      if (!(error instanceof InvalidCredentialsError)) throw error;
      await this.em.flush();
      return { step: { kind: 'login', page: { ...view, email: form.email, error: error.message, status: 401 } } };
    }
    await this.em.flush(); // the sign-in's own changes to the user (failure counter, lock), if any
    const event = this.audit.values({
      action: 'auth.login.succeeded',
      tenantId: issuer.tenant.id,
      actor: { type: 'user', id: outcome.user.id },
      target: { type: 'user', id: outcome.user.id },
      metadata: { plane: 'auth', client_id: client.id },
    });
    const { session, token, replaced } = await this.sessions.start(outcome.user, outcome.tenant, 'auth', clientInfo, sessionToken, event);
    if (replaced) await this.tokens.sessionReplaced(issuer.tenant.id, replaced, { id: session.id, userId: outcome.user.id }, this.clock.now());
    const user: AuthenticatedUser = { userId: outcome.user.id, sessionId: session.id, authTime: session.createdAt };
    const next = await this.authorization.decide(issuer, client, interaction.request, user, browserSecret!, { login: true });
    await this.authorization.finish(issuer, interaction);
    return { step: await this.toStep(issuer, next), sessionToken: token };
  }

  async showConsent(slug: string, handle: string | undefined, sessionToken: string | undefined, browserSecret: string | undefined): Promise<ConsentView> {
    const { issuer, interaction, client } = await this.interaction(slug, handle, browserSecret);
    await this.consentingUser(issuer, interaction, sessionToken);
    return { ...this.view(issuer, client, interaction, handle!, browserSecret!), scopes: interaction.request.scope.split(' ') };
  }

  async submitConsent(slug: string, form: OAuthParameters, sessionToken: string | undefined, browserSecret: string | undefined): Promise<FlowStep> {
    const { issuer, interaction, client } = await this.interaction(slug, form.interaction, browserSecret);
    this.assertFormToken(browserSecret!, form.interaction!, form.csrf_token);
    const user = await this.consentingUser(issuer, interaction, sessionToken);
    await this.authorization.finish(issuer, interaction);
    const consentEvent = { tenantId: issuer.tenant.id, actor: { type: 'user' as const, id: user.userId }, target: { type: 'client', id: client.id }, metadata: { scope: interaction.request.scope } };
    if (form.decision !== 'allow') {
      await this.audit.record({ action: 'consent.denied', ...consentEvent });
      return this.toStep(issuer, this.authorization.errorRedirect(issuer, interaction.request, 'access_denied', 'The user denied the request.'));
    }
    await this.authorization.rememberConsent(issuer, user.userId, client.id, interaction.request.scope, this.audit.values({ action: 'consent.granted', ...consentEvent }));
    return this.toStep(issuer, await this.authorization.decide(issuer, client, interaction.request, user, browserSecret!, { login: true, consent: true }));
  }

  private async issuerAndClient(slug: string, clientId: string | undefined): Promise<{ issuer: Issuer; client: RegisteredClient | null }> {
    const found = await this.clients.find(slug, clientId && isUuid(clientId) ? clientId : undefined);
    return { issuer: this.activeIssuer(found), client: found!.client };
  }

  private activeIssuer(found: IssuerAndClient | null): Issuer {
    if (!found) throw new OAuthError('not_found', 'There is no sign-in service at this address.');
    if (found.tenant.status !== 'active') throw new OAuthError('tenant_suspended', 'This organisation’s sign-in is suspended.');
    return { tenant: found.tenant, url: issuerUrl(this.config.publicUrl, found.tenant.slug) };
  }

  /** The issuer, the interaction behind the handle (live, started by this browser) and its active client: one round trip. */
  private async interaction(slug: string, handle: string | undefined, browserSecret: string | undefined): Promise<{ issuer: Issuer; interaction: InteractionRow; client: RegisteredClient }> {
    if (!handle) throw EXPIRED;
    const found = await this.clients.findWithInteraction(slug, hashOpaqueToken(handle), this.clock.now());
    const issuer = this.activeIssuer(found);
    const { interaction, client } = found!;
    if (!interaction || !this.authorization.startedBy(interaction, handle, browserSecret)) throw EXPIRED;
    if (!client || client.status !== 'active') throw EXPIRED;
    return { issuer, interaction, client };
  }

  /** Consent belongs to the user who signed in for this interaction, in this browser's session. */
  private async consentingUser(issuer: Issuer, interaction: InteractionRow, sessionToken: string | undefined): Promise<AuthenticatedUser> {
    const user = await this.signedIn.of(issuer, sessionToken);
    if (!user || user.userId !== interaction.userId || user.sessionId !== interaction.sessionId) throw EXPIRED;
    return user;
  }

  private assertFormToken(browserSecret: string, handle: string, presented: string | undefined): void {
    if (!interactionFormTokenMatches(browserSecret, handle, presented)) {
      throw new AuthorizationPageError(403, 'This form has expired', 'Reload the page and try again.');
    }
  }

  private view(issuer: Issuer, client: RegisteredClient, interaction: InteractionRow, handle: string, browserSecret: string): InteractionView {
    return {
      slug: issuer.tenant.slug,
      tenantName: issuer.tenant.name,
      clientName: client.name,
      handle,
      csrfToken: interactionFormToken(browserSecret, handle),
      redirectUri: interaction.request.redirectUri,
    };
  }

  private async toStep(issuer: Issuer, outcome: AuthorizationOutcome): Promise<FlowStep> {
    if (outcome.kind === 'redirect') return outcome;
    return { kind: 'redirect', location: `${issuer.url}/${outcome.step}?interaction=${outcome.handle}` };
  }
}
