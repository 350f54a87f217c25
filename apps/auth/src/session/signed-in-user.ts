import { Injectable } from '@nestjs/common';
import { SessionService } from '#identity/session.service.js';
import type { AuthenticatedUser } from '#oauth/authorization/authorization.service.js';
import type { Issuer } from '#oauth/issuer/issuer.js';

/** The user signed in to this issuer in this browser, from the auth-plane session cookie. */
@Injectable()
export class SignedInUser {
  constructor(private readonly sessions: SessionService) {}

  async of(issuer: Issuer, token: string | undefined): Promise<AuthenticatedUser | null> {
    if (!token) return null;
    const session = await this.sessions.resume(token, 'auth');
    // A session belongs to one tenant: presented under another issuer it is ignored.
    if (!session || session.tenant.id !== issuer.tenant.id || session.user.status !== 'active') return null;
    return { userId: session.user.id, sessionId: session.id, authTime: session.createdAt };
  }
}
