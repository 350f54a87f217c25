import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '#platform/config/app-config.js';
import { APP_CONFIG } from '#platform/config/config.tokens.js';
import { Clock } from '#platform/time/clock.js';
import type { Tenant } from '#tenancy/tenant.entity.js';
import { uuidv7 } from '#platform/ids/uuidv7.js';
import type { Session, SessionPlane } from './session.entity.js';
import { type EndedSession, SessionRepository } from './session.repository.js';
import { hashSessionToken, isWellFormedSessionToken, newSessionToken } from './session-token.js';
import type { User } from './user.entity.js';

/** Sliding expiry is written at most this often, so a busy session does not write on every request. */
const TOUCH_INTERVAL_MS = 60_000;

export interface ClientInfo {
  readonly ip?: string | undefined;
  readonly userAgent?: string | undefined;
}

export interface StartedSession {
  readonly session: { readonly id: string; readonly createdAt: Date };
  /** The cookie value: shown to the browser once, never stored. */
  readonly token: string;
  /** The session of the presented cookie, which this one replaces; null when there was none. */
  readonly replaced: EndedSession | null;
}

/** Server-side sessions (SPEC §5.3): absolute lifetime, sliding idle timeout, hashed tokens. */
@Injectable()
export class SessionService {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Starts a session after a successful sign-in, ending the one whose token the browser presented
   * (rotation), together with the sign-in's audit event (`AuditWriter.values`): one statement.
   */
  async start(user: User, tenant: Tenant, plane: SessionPlane, client: ClientInfo, replacing: string | undefined, audit: readonly unknown[]): Promise<StartedSession> {
    const now = this.clock.now();
    const token = newSessionToken();
    const id = uuidv7(now.getTime());
    const replacingHash = replacing && isWellFormedSessionToken(replacing) ? hashSessionToken(replacing) : null;
    const replaced = await this.sessions.start(
      {
        id,
        tenant: tenant.id,
        user: user.id,
        plane,
        tokenHash: hashSessionToken(token),
        createdAt: now,
        lastSeenAt: now,
        expiresAt: new Date(now.getTime() + this.config.session.absoluteTtlSeconds * 1000),
        ip: client.ip?.slice(0, 64) ?? null,
        userAgent: client.userAgent?.slice(0, 512) ?? null,
      },
      replacingHash,
      audit,
    );
    return { session: { id, createdAt: now }, token, replaced };
  }

  /**
   * The live session for a cookie token, with its user and tenant, or null. An expired session
   * (absolute or idle) is deleted on sight; a live one has its idle timer pushed forward.
   */
  async resume(token: string, plane: SessionPlane): Promise<Session | null> {
    if (!isWellFormedSessionToken(token)) return null;
    const session = await this.sessions.findByTokenHash(hashSessionToken(token), plane);
    if (!session) return null;
    const now = this.clock.now();
    if (this.isExpired(session, now)) {
      await this.sessions.deleteById(session.id);
      return null;
    }
    if (now.getTime() - session.lastSeenAt.getTime() >= TOUCH_INTERVAL_MS) {
      session.lastSeenAt = now;
      await this.sessions.touch(session.id, now);
    }
    return session;
  }

  isExpired(session: Session, now: Date): boolean {
    const idleDeadline = session.lastSeenAt.getTime() + this.config.session.idleTtlSeconds * 1000;
    return now.getTime() >= session.expiresAt.getTime() || now.getTime() >= idleDeadline;
  }

  /** Ends the session a cookie token names, if any (sign-in rotates the presented session away). */
  async endByToken(token: string, plane: SessionPlane): Promise<void> {
    if (isWellFormedSessionToken(token)) await this.sessions.deleteByTokenHash(hashSessionToken(token), plane);
  }

  async end(sessionId: string): Promise<void> {
    await this.sessions.deleteById(sessionId);
  }

  endAllForUser(tenantId: string, userId: string, exceptSessionId?: string): Promise<number> {
    return this.sessions.deleteForUser(tenantId, userId, exceptSessionId);
  }

  endAllForTenant(tenantId: string): Promise<number> {
    return this.sessions.deleteForTenant(tenantId);
  }

  listForUser(tenantId: string, userId: string): Promise<Session[]> {
    return this.sessions.listForUser(tenantId, userId);
  }
}
