import { Injectable } from '@nestjs/common';
import { Sql } from '#database/sql.js';
import type { AuthorizationRequest } from './interaction.entity.js';

export interface InteractionRow {
  readonly id: string;
  readonly tenantId: string;
  readonly bindingHash: string;
  readonly request: AuthorizationRequest;
  readonly userId: string | null;
  readonly sessionId: string | null;
}

/** Pending authorization requests, by plain SQL; every lookup carries the tenant. */
@Injectable()
export class InteractionRepository {
  constructor(private readonly sql: Sql) {}

  async insert(row: InteractionRow & { handleHash: string; createdAt: Date; expiresAt: Date }): Promise<void> {
    await this.sql.run(
      `insert into oauth_interactions (id, handle_hash, tenant_id, binding_hash, request, user_id, session_id, created_at, expires_at)
       values (?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?)`,
      [row.id, row.handleHash, row.tenantId, row.bindingHash, JSON.stringify(row.request), row.userId, row.sessionId, row.createdAt, row.expiresAt],
    );
  }

  async findLive(tenantId: string, handleHash: string, now: Date): Promise<InteractionRow | null> {
    const [row] = await this.sql.rows<{ id: string; tenant_id: string; binding_hash: string; request: AuthorizationRequest; user_id: string | null; session_id: string | null }>(
      `select id, tenant_id, binding_hash, request, user_id, session_id from oauth_interactions where handle_hash = ? and tenant_id = ? and expires_at > ?`,
      [handleHash, tenantId, now],
    );
    return row ? { id: row.id, tenantId: row.tenant_id, bindingHash: row.binding_hash, request: row.request, userId: row.user_id, sessionId: row.session_id } : null;
  }

  async attachUser(tenantId: string, id: string, userId: string, sessionId: string): Promise<void> {
    await this.sql.run(
      `update oauth_interactions set user_id = ?, session_id = ? where id = ? and tenant_id = ?`, [userId, sessionId, id, tenantId]);
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.sql.run(
      `delete from oauth_interactions where id = ? and tenant_id = ?`, [id, tenantId]);
  }
}
