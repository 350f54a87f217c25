import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '#platform/config/app-config.js';
import { APP_CONFIG } from '#platform/config/config.tokens.js';
import { isUuid } from '#platform/ids/uuidv7.js';
import type { OAuthParameters } from '../http/form-parameters.js';
import { type Issuer, issuerUrl } from '../issuer/issuer.js';
import { IssuerClientCache } from '../issuer/issuer-client.cache.js';
import type { IssuerAndClient, RegisteredClient } from '../issuer/issuer-client.repository.js';
import { ClientChangedError } from '../issuer/client-versions.js';
import { OAuthError } from '../oauth-error.js';
import { clientSecretMatches } from './client-secret.js';
import { basicFailure, type PresentedClientCredentials, presentedCredentials } from './client-credentials.js';

export interface AuthenticatedClient {
  readonly issuer: Issuer;
  readonly client: RegisteredClient;
}

export interface AuthenticationOptions {
  readonly allowPublic: boolean;
  /** What the endpoint requires of the client besides its credentials (a grant type, a scope): throws the refusal. */
  readonly permits?: (client: RegisteredClient) => void;
}

/** Fresh reads of a client that keeps changing under a request before it answers 503. */
const MAX_FRESH_READS = 3;

/**
 * Client authentication at the token, introspection and revocation endpoints (SPEC §5.4): the
 * method registered for the client is enforced, secrets are compared in constant time (also
 * when the client does not exist), and every failure is the same invalid_client (401, with
 * WWW-Authenticate when Basic was used). The issuer and client are read in one round trip.
 */
@Injectable()
export class ClientAuthenticator {
  constructor(
    private readonly lookup: IssuerClientCache,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Authenticates the client on a fresh read of it and its issuer. */
  authenticate(slug: string, authorization: string | undefined, parameters: OAuthParameters, options: AuthenticationOptions): Promise<AuthenticatedClient> {
    return this.judge(slug, authorization, parameters, options, false);
  }

  /**
   * Authenticates the client, from the copy kept in memory when there is one (IssuerClientCache),
   * and runs `act`, whose statements confirm that the client and tenant are still as judged
   * (client-versions.ts). When they are not (ClientChangedError), nothing was done: the client is
   * read afresh, judged again, and `act` runs again. A refusal is never made on the copy: the
   * client is read afresh first, so a client that was just enabled or given a new secret is
   * not turned away.
   */
  async withClient<T>(
    slug: string,
    authorization: string | undefined,
    parameters: OAuthParameters,
    options: AuthenticationOptions,
    act: (authenticated: AuthenticatedClient) => Promise<T>,
  ): Promise<T> {
    let authenticated = await this.judge(slug, authorization, parameters, options, true);
    for (let freshReads = 0; ; freshReads += 1) {
      try {
        return await act(authenticated);
      } catch (error) {
        if (!(error instanceof ClientChangedError) || freshReads === MAX_FRESH_READS) throw error;
        authenticated = await this.judge(slug, authorization, parameters, options, false);
      }
    }
  }

  private async judge(slug: string, authorization: string | undefined, parameters: OAuthParameters, options: AuthenticationOptions, fromMemory: boolean): Promise<AuthenticatedClient> {
    let presented: PresentedClientCredentials | undefined;
    let credentialsProblem: unknown;
    try {
      presented = presentedCredentials(authorization, parameters);
    } catch (error) {
      credentialsProblem = error;
    }
    const clientId = presented && isUuid(presented.clientId) ? presented.clientId : undefined;
    const remembered = fromMemory && clientId ? this.lookup.remembered(slug, clientId) : undefined;
    if (remembered && presented) {
      const accepted = this.acceptedWithoutRefusal(remembered, presented, options);
      if (accepted) return accepted;
    }
    // The issuer is checked first: an unknown tenant is 404 whatever the credentials look like.
    const found = await this.lookup.read(slug, clientId);
    if (!found) throw new OAuthError('not_found', 'No such issuer.');
    if (found.tenant.status !== 'active') throw new OAuthError('tenant_suspended', 'This tenant is suspended.');
    if (!presented) throw credentialsProblem;
    const client = this.verify(found.client, presented, options.allowPublic);
    options.permits?.(client);
    return { issuer: this.issuerOf(found), client };
  }

  /** The client judged on a kept copy, or null when that copy would refuse it: a refusal waits for a fresh read. */
  private acceptedWithoutRefusal(found: IssuerAndClient, presented: PresentedClientCredentials, options: AuthenticationOptions): AuthenticatedClient | null {
    if (found.tenant.status !== 'active') return null;
    try {
      const client = this.verify(found.client, presented, options.allowPublic);
      options.permits?.(client);
      return { issuer: this.issuerOf(found), client };
    } catch {
      return null;
    }
  }

  private issuerOf(found: IssuerAndClient): Issuer {
    return { tenant: found.tenant, url: issuerUrl(this.config.publicUrl, found.tenant.slug) };
  }

  private verify(client: RegisteredClient | null, presented: PresentedClientCredentials, allowPublic: boolean): RegisteredClient {
    const secretValid = clientSecretMatches(client?.secretHash, presented.secret ?? '');
    const acceptable =
      client !== null &&
      client.status === 'active' &&
      client.tokenEndpointAuthMethod === presented.method &&
      (presented.method === 'none' ? allowPublic && client.type === 'public' : secretValid);
    if (acceptable) return client;
    throw basicFailure('Client authentication failed.');
  }
}
