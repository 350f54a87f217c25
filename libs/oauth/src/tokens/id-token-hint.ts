import { Injectable } from '@nestjs/common';
import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import type { Issuer } from '../issuer/issuer.js';
import { SigningKeyService } from '../keys/signing-key.service.js';

/** Who an ID token names and for which client. */
export interface HintedUser {
  readonly audience: string;
  readonly subject: string;
}

/**
 * `id_token_hint` (OIDC Core §3.1.2.1, RP-Initiated Logout §2): an ID token this issuer signed
 * with one of its published keys. Expired hints are fine: only who signed it, and for whom and
 * about whom, matter.
 */
@Injectable()
export class IdTokenHints {
  constructor(private readonly keys: SigningKeyService) {}

  /** The hint's audience and subject, or null when it is not an ID token of this issuer. */
  async read(issuer: Issuer, token: string): Promise<HintedUser | null> {
    const keys = { keys: (await this.keys.liveKeys(issuer.tenant.id)).map((key) => key.publicJwk as JWK) };
    try {
      const { payload } = await jwtVerify(token, createLocalJWKSet(keys), { issuer: issuer.url, currentDate: new Date(0), algorithms: ['RS256', 'ES256'] });
      const audience = Array.isArray(payload.aud) ? payload.aud[0] : payload.aud;
      return audience && payload.sub ? { audience, subject: payload.sub } : null;
    } catch {
      return null;
    }
  }
}
