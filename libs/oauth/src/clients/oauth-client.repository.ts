import { Injectable } from '@nestjs/common';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import type { PageRequest } from '#platform/api/pagination.js';
import { type ClientStatus, OAuthClient } from './oauth-client.entity.js';

export interface ClientFilter {
  readonly status?: ClientStatus | undefined;
}

export interface RevokedTokens {
  readonly accessTokens: number;
  readonly refreshTokens: number;
}

/**
 * The only code that reads or writes OAuth clients for their administration. Every query carries
 * the tenant; soft-deleted clients are invisible here.
 */
@Injectable()
export class OAuthClientRepository {
  constructor(private readonly em: EntityManager) {}

  findById(tenantId: string, id: string): Promise<OAuthClient | null> {
    return this.em.findOne(OAuthClient, { id, tenant: tenantId, deletedAt: null });
  }

  /**
   * The client, locked until the surrounding transaction ends: changes to one client (settings,
   * roles, secret, deletion) then happen one after the other, each on what the previous one left.
   */
  findByIdForUpdate(tenantId: string, id: string): Promise<OAuthClient | null> {
    return this.em.findOne(OAuthClient, { id, tenant: tenantId, deletedAt: null }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  }

  /** Keyset page in creation order (ids are UUIDv7); fetches `limit + 1` rows. */
  list(tenantId: string, filter: ClientFilter, page: PageRequest): Promise<OAuthClient[]> {
    return this.em.find(
      OAuthClient,
      {
        tenant: tenantId,
        deletedAt: null,
        ...(filter.status ? { status: filter.status } : {}),
        ...(page.after ? { id: { $gt: page.after } } : {}),
      },
      { orderBy: { id: 'asc' }, limit: page.limit + 1 },
    );
  }

  add(client: OAuthClient): void {
    this.em.persist(client);
  }

  /**
   * Revokes every access and refresh token of the client that is not revoked yet, in one
   * statement through the EntityManager, so it commits or rolls back with the caller's transaction.
   * Refresh tokens are found by family: only a family's first row is in the client index.
   */
  async revokeTokensOfClient(tenantId: string, clientId: string, at: Date): Promise<RevokedTokens> {
    const [row] = await this.em.execute<{ access_tokens: number; refresh_tokens: number }[]>(
      `with access as (
         update oauth_access_tokens set revoked_at = ? where tenant_id = ? and client_id = ? and revoked_at is null returning 1
       ), refresh as (
         update oauth_refresh_tokens set revoked_at = ?
          where tenant_id = ? and client_id = ? and revoked_at is null
            and family_id in (select family_id from oauth_refresh_tokens where tenant_id = ? and client_id = ? and family_head)
          returning 1
       )
       select (select count(*) from access)::int as access_tokens, (select count(*) from refresh)::int as refresh_tokens`,
      [at, tenantId, clientId, at, tenantId, clientId, tenantId, clientId],
    );
    return { accessTokens: row?.access_tokens ?? 0, refreshTokens: row?.refresh_tokens ?? 0 };
  }
}
