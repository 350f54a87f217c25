import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { AppConfig } from '#platform/config/app-config.js';
import { APP_CONFIG } from '#platform/config/config.tokens.js';
import { Clock } from '#platform/time/clock.js';
import type { Issuer } from '../issuer/issuer.js';
import type { RegisteredClient } from '../issuer/issuer-client.repository.js';
import { SigningKeyService } from '../keys/signing-key.service.js';
import { signCompactJws } from './jws.js';

export interface IdTokenSubject {
  readonly userId: string;
  readonly authTime: Date;
  readonly sessionId: string | null;
  readonly nonce: string | null;
}

/** Signs one client's ID tokens with a key already loaded. */
export interface IdTokenSigner {
  sign(subject: IdTokenSubject, accessToken: string): Promise<string>;
}

/**
 * ID tokens (OIDC Core §2, SPEC §5.5): iss, sub, aud, exp, iat, auth_time, nonce, at_hash, sid
 * and azp, signed with the tenant's active key of the client's algorithm. Profile and email
 * claims are not put here: clients read them from UserInfo according to the granted scopes.
 */
@Injectable()
export class IdTokenService {
  constructor(
    private readonly keys: SigningKeyService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Loads the signing key first, when the client may be granted openid: a grant asks for its
   * signer before it spends its code or refresh token, so a key that cannot be loaded (database
   * unreachable, no active key) fails the request while the client can still retry, instead of
   * after its grant is gone. A client without openid among its scopes does not depend on keys; if
   * one of its tokens still carries openid (its scopes changed since), the key is loaded to sign.
   */
  async signerFor(issuer: Issuer, client: RegisteredClient): Promise<IdTokenSigner> {
    const load = () => this.keys.signingKey(issuer.tenant.id, client.idTokenSignedResponseAlg);
    let loaded = client.scopes.includes('openid') ? await load() : null;
    return {
      sign: async (subject, accessToken) => {
        const { kid, alg, key } = (loaded ??= await load());
        const now = Math.floor(this.clock.now().getTime() / 1000);
        const claims = {
          iss: issuer.url,
          sub: subject.userId,
          aud: client.id,
          exp: now + this.config.idTokenTtlSeconds,
          iat: now,
          auth_time: Math.floor(subject.authTime.getTime() / 1000),
          ...(subject.nonce !== null ? { nonce: subject.nonce } : {}),
          at_hash: leftHalfHash(accessToken),
          ...(subject.sessionId !== null ? { sid: subject.sessionId } : {}),
          azp: client.id,
        };
        return signCompactJws(alg, { kid, typ: 'JWT' }, claims, key);
      },
    };
  }
}

/** OIDC Core §3.1.3.6: base64url of the left half of the SHA-256 of the token (RS256 and ES256 both use SHA-256). */
export function leftHalfHash(token: string): string {
  return createHash('sha256').update(token, 'ascii').digest().subarray(0, 16).toString('base64url');
}
