import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AUDIT_COLUMNS, AUDIT_VALUES } from '#audit/audit-writer.js';
import { Sql } from '#database/sql.js';
import { uuidv7 } from '#platform/ids/uuidv7.js';

/** Remembered consents (SPEC §5.1). */
@Injectable()
export class ConsentRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly sql: Sql,
  ) {}

  async grantedScopes(tenantId: string, userId: string, clientId: string): Promise<string[]> {
    const [row] = await this.em.execute<{ scopes: string[] }[]>(`select scopes from oauth_consents where tenant_id = ? and user_id = ? and client_id = ?`, [tenantId, userId, clientId]);
    return row?.scopes ?? [];
  }

  /**
   * Adds scopes to what the user granted the client (the sorted union is remembered) and writes
   * its audit event, in one statement: both commit or neither does.
   */
  async grant(tenantId: string, userId: string, clientId: string, scopes: readonly string[], at: Date, audit: readonly unknown[]): Promise<void> {
    await this.sql.run(
      `with consent as (
         insert into oauth_consents as o (id, tenant_id, user_id, client_id, scopes, created_at, updated_at) values (?, ?, ?, ?, ?::jsonb, ?, ?)
         on conflict (user_id, client_id) do update
            set scopes = (select jsonb_agg(scope order by scope)
                            from (select jsonb_array_elements_text(o.scopes) union select jsonb_array_elements_text(excluded.scopes)) as granted(scope)),
                updated_at = excluded.updated_at
          where o.tenant_id = excluded.tenant_id
       )
       insert into audit_events (${AUDIT_COLUMNS}) ${AUDIT_VALUES}`,
      [uuidv7(), tenantId, userId, clientId, JSON.stringify([...new Set(scopes)].sort()), at, at, ...audit],
    );
  }
}
