import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { uuidv7 } from '#platform/ids/uuidv7.js';

/** Remembered consents (SPEC §5.1), through the EntityManager so a grant joins the caller's transaction (with its audit event). */
@Injectable()
export class ConsentRepository {
  constructor(private readonly em: EntityManager) {}

  async grantedScopes(tenantId: string, userId: string, clientId: string): Promise<string[]> {
    const [row] = await this.em.execute<{ scopes: string[] }[]>(`select scopes from oauth_consents where tenant_id = ? and user_id = ? and client_id = ?`, [tenantId, userId, clientId]);
    return row?.scopes ?? [];
  }

  /** Adds scopes to what the user granted the client (the union is remembered). */
  async grant(tenantId: string, userId: string, clientId: string, scopes: readonly string[], at: Date): Promise<void> {
    const current = await this.grantedScopes(tenantId, userId, clientId);
    const union = [...new Set([...current, ...scopes])].sort();
    await this.em.execute(
      `insert into oauth_consents (id, tenant_id, user_id, client_id, scopes, created_at, updated_at) values (?, ?, ?, ?, ?::jsonb, ?, ?)
       on conflict (user_id, client_id) do update set scopes = excluded.scopes, updated_at = excluded.updated_at`,
      [uuidv7(), tenantId, userId, clientId, JSON.stringify(union), at, at],
    );
  }
}
