import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AUDIT_COLUMNS, AUDIT_VALUES, type AuditStamp, stampValues } from '#audit/audit-writer.js';
import { Sql } from '#database/sql.js';

export interface NewAccessToken {
  readonly id: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly userId: string | null;
  readonly tokenHash: string;
  readonly scope: string;
  readonly grantId: string | null;
  readonly sessionId: string | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

export interface RefreshRotation {
  readonly tenantId: string;
  readonly clientId: string;
  readonly tokenHash: string;
  /** A narrower scope for the new access token, or null for the same scope. */
  readonly scope: string | null;
  readonly refreshId: string;
  readonly refreshHash: string;
  readonly accessId: string;
  readonly accessHash: string;
  readonly accessExpiresAt: Date;
  readonly now: Date;
  /** The token.refreshed event; actor (client) and target (user) come from the token row. */
  readonly audit: AuditStamp;
}

export interface RotatedRefreshToken {
  readonly familyId: string;
  readonly userId: string;
  readonly sessionId: string | null;
  readonly scope: string;
  readonly accessScope: string;
  readonly authTime: Date;
}

/** A token as introspection and UserInfo see it, with the live state of its client and user. */
export interface TokenState {
  readonly kind: 'access_token' | 'refresh_token';
  readonly id: string;
  readonly clientId: string;
  readonly userId: string | null;
  readonly scope: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  /** Revoked, rotated (refresh), expired, or its client or user is no longer active. */
  readonly active: boolean;
}

interface StateRow {
  id: string;
  client_id: string;
  user_id: string | null;
  scope: string;
  created_at: Date;
  expires_at: Date;
  active: boolean;
}

/**
 * Access and refresh token rows, by plain SQL: each protocol step is one statement, and every
 * statement carries the tenant, so a token of another tenant is simply not found.
 */
@Injectable()
export class TokenRepository {
  constructor(
    private readonly sql: Sql,
    private readonly em: EntityManager,
  ) {}

  /** Inserts an access token and its audit event in one statement (one round trip, one commit). */
  async insertAccessToken(token: NewAccessToken, audit: readonly unknown[]): Promise<void> {
    await this.sql.run(
      `with token as (
         insert into oauth_access_tokens (id, tenant_id, client_id, user_id, token_hash, scope, grant_id, session_id, created_at, expires_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       )
       insert into audit_events (${AUDIT_COLUMNS}) ${AUDIT_VALUES}`,
      [token.id, token.tenantId, token.clientId, token.userId, token.tokenHash, token.scope, token.grantId, token.sessionId, token.createdAt, token.expiresAt, ...audit],
    );
  }

  /** The access token's state, judged at `now` against its own expiry and the live client and user. */
  async accessTokenState(tenantId: string, tokenHash: string, now: Date): Promise<TokenState | null> {
    const [row] = await this.sql.rows<StateRow>(
      `select a.id, a.client_id, a.user_id, a.scope, a.created_at, a.expires_at,
              (a.revoked_at is null and a.expires_at > ? and c.status = 'active' and c.deleted_at is null
               and (a.user_id is null or u.status = 'active')) as active
         from oauth_access_tokens a
         join oauth_clients c on c.id = a.client_id and c.tenant_id = a.tenant_id
         left join users u on u.id = a.user_id and u.tenant_id = a.tenant_id
        where a.token_hash = ? and a.tenant_id = ?`,
      [now, tokenHash, tenantId],
    );
    return row ? toState('access_token', row) : null;
  }

  async refreshTokenState(tenantId: string, tokenHash: string, now: Date): Promise<TokenState | null> {
    const [row] = await this.sql.rows<StateRow>(
      `select r.id, r.client_id, r.user_id, r.scope, r.created_at, r.expires_at,
              (r.revoked_at is null and r.rotated_at is null and r.expires_at > ? and c.status = 'active' and c.deleted_at is null
               and u.status = 'active') as active
         from oauth_refresh_tokens r
         join oauth_clients c on c.id = r.client_id and c.tenant_id = r.tenant_id
         join users u on u.id = r.user_id and u.tenant_id = r.tenant_id
        where r.token_hash = ? and r.tenant_id = ?`,
      [now, tokenHash, tenantId],
    );
    return row ? toState('refresh_token', row) : null;
  }

  /**
   * Rotates a refresh token in one statement (SPEC §5.4): the presented token is marked used and
   * a new token of the same family (same scope and family lifetime) and a new access token
   * (possibly narrower scope) are inserted. Nothing happens unless the token is unused,
   * unrevoked, unexpired, issued to this client, its user is active and `scope` is within it;
   * concurrent rotations of one token (on any replicas) therefore succeed at most once.
   */
  async rotateRefreshToken(rotation: RefreshRotation): Promise<RotatedRefreshToken | null> {
    const [row] = await this.sql.rows<{ family_id: string; user_id: string; session_id: string | null; scope: string; auth_time: Date; access_scope: string }>(
      `with old as (
         update oauth_refresh_tokens r set rotated_at = ?
          where r.token_hash = ? and r.tenant_id = ? and r.client_id = ?
            and r.rotated_at is null and r.revoked_at is null and r.expires_at > ?
            and exists (select 1 from users u where u.id = r.user_id and u.tenant_id = r.tenant_id and u.status = 'active')
            and (?::text is null or string_to_array(?::text, ' ') <@ string_to_array(r.scope, ' '))
          returning r.*
       ),
       next_refresh as (
         insert into oauth_refresh_tokens (id, tenant_id, client_id, user_id, family_id, token_hash, scope, offline, session_id, auth_time, created_at, expires_at)
         select ?, tenant_id, client_id, user_id, family_id, ?, scope, offline, session_id, auth_time, ?, expires_at from old
       ),
       next_access as (
         insert into oauth_access_tokens (id, tenant_id, client_id, user_id, token_hash, scope, grant_id, session_id, created_at, expires_at)
         select ?, tenant_id, client_id, user_id, ?, coalesce(?::text, scope), family_id, session_id, ?, ? from old
       ),
       audit as (
         insert into audit_events (${AUDIT_COLUMNS})
         select ?, ?, tenant_id, 'client', client_id::text, 'token.refreshed', 'user', user_id::text, 'success', ?, ?, ?, ?::jsonb from old
       )
       select family_id, user_id, session_id, scope, auth_time, coalesce(?::text, scope) as access_scope from old`,
      [
        rotation.now, rotation.tokenHash, rotation.tenantId, rotation.clientId, rotation.now, rotation.scope, rotation.scope,
        rotation.refreshId, rotation.refreshHash, rotation.now,
        rotation.accessId, rotation.accessHash, rotation.scope, rotation.now, rotation.accessExpiresAt,
        ...stampValues(rotation.audit),
        rotation.scope,
      ],
    );
    return row
      ? { familyId: row.family_id, userId: row.user_id, sessionId: row.session_id, scope: row.scope, accessScope: row.access_scope, authTime: new Date(row.auth_time) }
      : null;
  }

  /** The state of a refresh token this client presented, to explain a failed rotation. */
  async refreshTokenOfClient(tenantId: string, clientId: string, tokenHash: string): Promise<{ familyId: string; rotated: boolean; revoked: boolean; scope: string } | null> {
    const [row] = await this.sql.rows<{ family_id: string; rotated: boolean; revoked: boolean; scope: string }>(
      `select family_id, rotated_at is not null as rotated, revoked_at is not null as revoked, scope from oauth_refresh_tokens
        where token_hash = ? and tenant_id = ? and client_id = ?`,
      [tokenHash, tenantId, clientId],
    );
    return row ? { familyId: row.family_id, rotated: row.rotated, revoked: row.revoked, scope: row.scope } : null;
  }

  /** Revokes an access token, only if it was issued to `clientId` (RFC 7009 §2.1); audited when it was. */
  async revokeAccessToken(tenantId: string, clientId: string, tokenHash: string, at: Date, audit: AuditStamp): Promise<boolean> {
    const [row] = await this.sql.rows<{ revoked: number }>(
      `with revoked as (
         update oauth_access_tokens set revoked_at = ? where token_hash = ? and tenant_id = ? and client_id = ? and revoked_at is null returning id, tenant_id, client_id
       ),
       audit as (
         insert into audit_events (${AUDIT_COLUMNS})
         select ?, ?, tenant_id, 'client', client_id::text, 'token.revoked', 'access_token', id::text, 'success', ?, ?, ?, ?::jsonb from revoked
       )
       select count(*)::int as revoked from revoked`,
      [at, tokenHash, tenantId, clientId, ...stampValues(audit)],
    );
    return (row?.revoked ?? 0) > 0;
  }

  /** The family of a refresh token issued to `clientId`, if any. */
  async refreshFamilyOf(tenantId: string, clientId: string, tokenHash: string): Promise<string | null> {
    const [row] = await this.sql.rows<{ family_id: string }>(
      `select family_id from oauth_refresh_tokens where token_hash = ? and tenant_id = ? and client_id = ?`,
      [tokenHash, tenantId, clientId],
    );
    return row?.family_id ?? null;
  }

  /**
   * SPEC §5.3: ending a sign-in session revokes the refresh tokens issued in it, except those
   * granted with offline_access, and the access tokens of the same families. Through the
   * EntityManager, so it joins the caller's transaction (the session's end and its event).
   */
  /**
   * A new sign-in in the same browser replaced session `from` by `to`. The same user's refresh
   * tokens tied to the old session (not offline ones) now belong to the new one, so that its
   * logout still reaches them; a different user's are revoked, since nothing could end them
   * any more.
   */
  async sessionReplaced(tenantId: string, from: { id: string; userId: string }, to: { id: string; userId: string }, at: Date): Promise<void> {
    if (from.userId !== to.userId) return this.revokeSessionTokens(tenantId, from.id, at);
    await this.sql.run(
      `update oauth_refresh_tokens set session_id = ?
        where tenant_id = ? and session_id = ? and user_id = ? and offline = false and revoked_at is null`,
      [to.id, tenantId, from.id, to.userId],
    );
  }

  async revokeSessionTokens(tenantId: string, sessionId: string, at: Date): Promise<void> {
    await this.em.execute(
      `with families as (
         update oauth_refresh_tokens set revoked_at = ?
          where tenant_id = ? and session_id = ? and offline = false and revoked_at is null
          returning family_id
       )
       update oauth_access_tokens set revoked_at = ?
        where tenant_id = ? and revoked_at is null and grant_id in (select family_id from families)`,
      [at, tenantId, sessionId, at, tenantId],
    );
  }

  /**
   * Revokes every refresh and access token of a grant (a code's tokens, or a refresh family) and
   * records why, in one statement. A reuse is recorded whatever was left to revoke (the attempt is
   * the event); a revocation asked for by the client only when it revoked something, so revoking
   * the same token twice is one event.
   */
  async revokeGrant(tenantId: string, grantId: string, at: Date, audit: readonly unknown[], recorded: 'always' | 'when-revoked'): Promise<void> {
    await this.sql.run(
      `with refresh as (
         update oauth_refresh_tokens set revoked_at = ? where tenant_id = ? and family_id = ? and revoked_at is null returning id
       ),
       access as (
         update oauth_access_tokens set revoked_at = ? where tenant_id = ? and grant_id = ? and revoked_at is null returning id
       )
       insert into audit_events (${AUDIT_COLUMNS})
       select ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb
        where ?::boolean or exists (select 1 from refresh) or exists (select 1 from access)`,
      [at, tenantId, grantId, at, tenantId, grantId, ...audit, recorded === 'always'],
    );
  }
}

function toState(kind: TokenState['kind'], row: StateRow): TokenState {
  return {
    kind,
    id: row.id,
    clientId: row.client_id,
    userId: row.user_id,
    scope: row.scope,
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
    active: row.active,
  };
}
