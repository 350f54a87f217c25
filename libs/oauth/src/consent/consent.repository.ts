import { Injectable } from '@nestjs/common';
import { Sql } from '#database/sql.js';
import { uuidv7 } from '#platform/ids/uuidv7.js';

/** Remembered consents (SPEC §5.1), by plain SQL. */
@Injectable()
export class ConsentRepository {
  constructor(private readonly sql: Sql) {}

  async grantedScopes(tenantId: string, userId: string, clientId: string): Promise<string[]> {
    const [row] = await this.sql.rows<{ scopes: string[] }>(`select scopes from oauth_consents where tenant_id = ? and user_id = ? and client_id = ?`, [tenantId, userId, clientId]);
    return row?.scopes ?? [];
  }

  /** Adds scopes to what the user granted the client (the union is remembered). */
  async grant(tenantId: string, userId: string, clientId: string, scopes: readonly string[], at: Date): Promise<void> {
    const current = await this.grantedScopes(tenantId, userId, clientId);
    const union = [...new Set([...current, ...scopes])].sort();
    await this.sql.run(
      `insert into oauth_consents (id, tenant_id, user_id, client_id, scopes, created_at, updated_at) values (?, ?, ?, ?, ?::jsonb, ?, ?)
       on conflict (user_id, client_id) do update set scopes = excluded.scopes, updated_at = excluded.updated_at`,
      [uuidv7(), tenantId, userId, clientId, JSON.stringify(union), at, at],
    );
  }
}
