import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditWriter } from '#audit/audit-writer.js';
import { SessionService } from '#identity/session.service.js';
import { isUuid } from '#platform/ids/uuidv7.js';
import { Clock } from '#platform/time/clock.js';
import { AuthorizationPageError } from '../authorization/authorization-errors.js';
import { withQueryParameters } from '../authorization/redirect-uri-builder.js';
import type { OAuthParameters } from '../http/form-parameters.js';
import type { Issuer } from '../issuer/issuer.js';
import { IssuerClientRepository } from '../issuer/issuer-client.repository.js';
import { type HintedUser, IdTokenHints } from '../tokens/id-token-hint.js';
import { TokenRepository } from '../tokens/token.repository.js';

export interface LogoutRequest {
  /** Where to send the browser afterwards (a registered post-logout redirect URI, with `state`), if any. */
  readonly returnTo: string | undefined;
  /** The user an ID token of this issuer (the id_token_hint) names, if one came with the request. */
  readonly hintSubject: string | undefined;
  /** The client the request is for: the hint's audience, or the `client_id` parameter. */
  readonly clientId: string | undefined;
}

const BAD_REQUEST = (message: string) => new AuthorizationPageError(400, 'Invalid sign-out request', message);

/**
 * OIDC RP-Initiated Logout 1.0 (SPEC §5.5): `id_token_hint` (an ID token this issuer signed,
 * expired or not), `post_logout_redirect_uri` (registered for the client, exact match) and
 * `state`. Ending the session deletes it and revokes its non-offline refresh tokens (SPEC §5.3).
 */
@Injectable()
export class LogoutService {
  constructor(
    private readonly hints: IdTokenHints,
    private readonly clients: IssuerClientRepository,
    private readonly sessions: SessionService,
    private readonly tokens: TokenRepository,
    private readonly audit: AuditWriter,
    private readonly em: EntityManager,
    private readonly clock: Clock,
  ) {}

  async validate(issuer: Issuer, parameters: OAuthParameters): Promise<LogoutRequest> {
    const hint = parameters.id_token_hint ? await this.verifyHint(issuer, parameters.id_token_hint) : undefined;
    if (hint && parameters.client_id && hint.audience !== parameters.client_id) throw BAD_REQUEST('client_id does not match the ID token.');
    const clientId = hint?.audience ?? parameters.client_id;
    let returnTo: string | undefined;
    if (parameters.post_logout_redirect_uri !== undefined) {
      if (!clientId || !isUuid(clientId)) throw BAD_REQUEST('post_logout_redirect_uri needs id_token_hint or client_id.');
      const found = await this.clients.find(issuer.tenant.slug, clientId);
      if (!found?.client || !found.client.postLogoutRedirectUris.includes(parameters.post_logout_redirect_uri)) {
        throw BAD_REQUEST('post_logout_redirect_uri is not registered for this application.');
      }
      returnTo = withQueryParameters(parameters.post_logout_redirect_uri, { state: parameters.state });
    }
    return { returnTo, hintSubject: hint?.subject, clientId };
  }

  /**
   * RP-Initiated Logout §2: the user must be asked unless the ID token belongs to the browser's
   * session here. So the session ends at once only for a hint naming the session's own user (or
   * when there is no session to end); anyone else's ID token leads to the confirmation page.
   */
  async endsWithoutAsking(issuer: Issuer, request: LogoutRequest, sessionToken: string | undefined): Promise<boolean> {
    if (request.hintSubject === undefined) return false;
    if (!sessionToken) return true;
    const session = await this.sessions.resume(sessionToken, 'auth');
    return !session || session.tenant.id !== issuer.tenant.id || session.user.id === request.hintSubject;
  }

  /** Ends the browser's session with this issuer, if it has one. */
  async endSession(issuer: Issuer, sessionToken: string | undefined): Promise<void> {
    if (!sessionToken) return;
    const session = await this.sessions.resume(sessionToken, 'auth');
    if (!session || session.tenant.id !== issuer.tenant.id) return;
    await this.em.transactional(async () => {
      await this.tokens.revokeSessionTokens(issuer.tenant.id, session.id, this.clock.now());
      await this.sessions.end(session.id);
      await this.audit.record({ action: 'auth.logout', tenantId: issuer.tenant.id, actor: { type: 'user', id: session.user.id }, target: { type: 'user', id: session.user.id }, metadata: { plane: 'auth' } });
    });
  }

  private async verifyHint(issuer: Issuer, token: string): Promise<HintedUser> {
    const hint = await this.hints.read(issuer, token);
    if (!hint) throw BAD_REQUEST('id_token_hint is not an ID token issued here.');
    return hint;
  }
}
