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

/**
 * Pending authorization requests, by plain SQL; every statement carries the tenant. They are read
 * together with their issuer and client (IssuerClientRepository.findWithInteraction).
 */
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

  async attachUser(tenantId: string, id: string, userId: string, sessionId: string): Promise<void> {
    await this.sql.run(
      `update oauth_interactions set user_id = ?, session_id = ? where id = ? and tenant_id = ?`, [userId, sessionId, id, tenantId]);
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.sql.run(
      `delete from oauth_interactions where id = ? and tenant_id = ?`, [id, tenantId]);
  }
}
