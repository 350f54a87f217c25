import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AUDIT_COLUMNS, AUDIT_VALUES } from '#audit/audit-writer.js';
import { Sql } from '#database/sql.js';
import { Session, type SessionPlane } from './session.entity.js';

export interface NewSession {
  readonly id: string;
  readonly tenant: string;
  readonly user: string;
  readonly plane: SessionPlane;
  readonly tokenHash: string;
  readonly createdAt: Date;
  readonly lastSeenAt: Date;
  readonly expiresAt: Date;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/** A session that a new sign-in in the same browser replaced. */
export interface EndedSession {
  readonly id: string;
  readonly userId: string;
}

/** The only code that reads or writes sessions. */
@Injectable()
export class SessionRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly sql: Sql,
  ) {}

  /** The session with this token hash on this plane, with its user and tenant loaded (one query). */
  findByTokenHash(tokenHash: string, plane: SessionPlane): Promise<Session | null> {
    return this.em.findOne(Session, { tokenHash, plane }, { populate: ['user', 'tenant'] });
  }

  listForUser(tenantId: string, userId: string): Promise<Session[]> {
    return this.em.find(Session, { tenant: tenantId, user: userId }, { orderBy: { createdAt: 'desc' } });
  }

  /**
   * Starts a session in one statement: ends the session it replaces (the presented cookie's, on
   * this plane; rotation on sign-in), inserts the new one and writes the sign-in's audit event, so
   * all of it commits together or not at all. Sign-in is a hot path: one round trip, no
   * transaction block, a prepared statement. Returns the session it ended, if any.
   */
  async start(row: NewSession, replacingTokenHash: string | null, audit: readonly unknown[]): Promise<EndedSession | null> {
    const [ended] = await this.sql.rows<{ id: string; user_id: string }>(
      `with ended as (delete from sessions where token_hash = ? and plane = ? and tenant_id = ? returning id, user_id),
       started as (
         insert into sessions (id, tenant_id, user_id, plane, token_hash, created_at, last_seen_at, expires_at, ip, user_agent)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ),
       event as (insert into audit_events (${AUDIT_COLUMNS}) ${AUDIT_VALUES})
       select id, user_id from ended`,
      [
        replacingTokenHash, row.plane, row.tenant,
        row.id, row.tenant, row.user, row.plane, row.tokenHash, row.createdAt, row.lastSeenAt, row.expiresAt, row.ip, row.userAgent,
        ...audit,
      ],
    );
    return ended ? { id: ended.id, userId: ended.user_id } : null;
  }

  async touch(sessionId: string, at: Date): Promise<void> {
    await this.em.nativeUpdate(Session, { id: sessionId }, { lastSeenAt: at });
  }

  async deleteById(sessionId: string): Promise<number> {
    return this.em.nativeDelete(Session, { id: sessionId });
  }

  async deleteByTokenHash(tokenHash: string, plane: SessionPlane): Promise<number> {
    return this.em.nativeDelete(Session, { tokenHash, plane });
  }

  async deleteForUser(tenantId: string, userId: string, exceptSessionId?: string): Promise<number> {
    return this.em.nativeDelete(Session, { tenant: tenantId, user: userId, ...(exceptSessionId ? { id: { $ne: exceptSessionId } } : {}) });
  }

  async deleteForTenant(tenantId: string): Promise<number> {
    return this.em.nativeDelete(Session, { tenant: tenantId });
  }
}
