import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '#platform/config/app-config.js';
import { APP_CONFIG } from '#platform/config/config.tokens.js';
import { isUuid } from '#platform/ids/uuidv7.js';
import type { OAuthParameters } from '../http/form-parameters.js';
import { type Issuer, issuerUrl } from '../issuer/issuer.js';
import { IssuerClientCache } from '../issuer/issuer-client.cache.js';
import type { RegisteredClient } from '../issuer/issuer-client.repository.js';
import { OAuthError } from '../oauth-error.js';
import { clientSecretMatches } from './client-secret.js';
import { basicFailure, type PresentedClientCredentials, presentedCredentials } from './client-credentials.js';

export interface AuthenticatedClient {
  readonly issuer: Issuer;
  readonly client: RegisteredClient;
}

/**
 * Client authentication at the token, introspection and revocation endpoints (SPEC §5.4): the
 * method registered for the client is enforced, secrets are compared in constant time (also
 * when the client does not exist), and every failure is the same invalid_client (401, with
 * WWW-Authenticate when Basic was used). The issuer and client are read in one round trip, or
 * from memory (IssuerClientCache).
 */
@Injectable()
export class ClientAuthenticator {
  constructor(
    private readonly lookup: IssuerClientCache,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async authenticate(slug: string, authorization: string | undefined, parameters: OAuthParameters, options: { allowPublic: boolean }): Promise<AuthenticatedClient> {
    let presented: PresentedClientCredentials | undefined;
    let credentialsProblem: unknown;
    try {
      presented = presentedCredentials(authorization, parameters);
    } catch (error) {
      credentialsProblem = error;
    }
    // The issuer is checked first: an unknown tenant is 404 whatever the credentials look like.
    const found = await this.lookup.find(slug, presented && isUuid(presented.clientId) ? presented.clientId : undefined);
    if (!found) throw new OAuthError('not_found', 'No such issuer.');
    if (found.tenant.status !== 'active') throw new OAuthError('tenant_suspended', 'This tenant is suspended.');
    if (!presented) throw credentialsProblem;
    const client = this.verify(found.client, presented, options.allowPublic);
    return { issuer: { tenant: found.tenant, url: issuerUrl(this.config.publicUrl, found.tenant.slug) }, client };
  }

  private verify(client: RegisteredClient | null, presented: PresentedClientCredentials, allowPublic: boolean): RegisteredClient {
    const secretValid = clientSecretMatches(client?.secretHash, presented.secret ?? '');
    const acceptable =
      client !== null &&
      client.status === 'active' &&
      client.tokenEndpointAuthMethod === presented.method &&
      (presented.method === 'none' ? allowPublic && client.type === 'public' : secretValid);
    if (acceptable) return client;
    if (presented.method === 'client_secret_basic') throw basicFailure('Client authentication failed.');
    throw new OAuthError('invalid_client', 'Client authentication failed.');
  }
}
