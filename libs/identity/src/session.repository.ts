import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
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

/** The only code that reads or writes sessions. */
@Injectable()
export class SessionRepository {
  constructor(private readonly em: EntityManager) {}

  /** The session with this token hash on this plane, with its user and tenant loaded (one query). */
  findByTokenHash(tokenHash: string, plane: SessionPlane): Promise<Session | null> {
    return this.em.findOne(Session, { tokenHash, plane }, { populate: ['user', 'tenant'] });
  }

  listForUser(tenantId: string, userId: string): Promise<Session[]> {
    return this.em.find(Session, { tenant: tenantId, user: userId }, { orderBy: { createdAt: 'desc' } });
  }

  /** Writes a new session with one plain insert (sign-in is a hot path; nothing else needs the unit of work). */
  async insert(row: NewSession): Promise<void> {
    await this.em.insert(Session, row);
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
