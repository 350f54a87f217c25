import { Injectable } from '@nestjs/common';
import { Sql } from '#database/sql.js';

export interface ServiceAccount {
  readonly clientId: string;
  readonly tenantId: string;
  readonly tenantSlug: string;
  readonly roles: readonly string[];
}

/**
 * Who a Bearer token on the admin plane acts for (SPEC §6.1): a live client_credentials access
 * token of an active client in an active tenant, with that client's tenant roles, read in one
 * statement on every request (no cached grant survives a revocation or a role change).
 */
@Injectable()
export class ServiceAccountRepository {
  constructor(private readonly sql: Sql) {}

  async byAccessToken(tokenHash: string, now: Date): Promise<ServiceAccount | null> {
    const [row] = await this.sql.rows<{ client_id: string; tenant_id: string; slug: string; roles: string[] }>(
      `select a.client_id, c.tenant_id, t.slug,
              coalesce(array_agg(r.role_key) filter (where r.role_key is not null), '{}') as roles
         from oauth_access_tokens a
         join oauth_clients c on c.id = a.client_id and c.tenant_id = a.tenant_id and c.status = 'active' and c.deleted_at is null
         join tenants t on t.id = c.tenant_id and t.status = 'active' and t.deleted_at is null
         left join role_assignments r on r.client_id = c.id and r.tenant_id = c.tenant_id
        where a.token_hash = ? and a.user_id is null and a.revoked_at is null and a.expires_at > ?
        group by a.client_id, c.tenant_id, t.slug`,
      [tokenHash, now],
    );
    return row ? { clientId: row.client_id, tenantId: row.tenant_id, tenantSlug: row.slug, roles: row.roles } : null;
  }
}
