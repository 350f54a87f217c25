import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AUDIT_COLUMNS, type AuditStamp, stampValues } from '#audit/audit-writer.js';
import { Sql } from '#database/sql.js';
import { WriteBatcher } from '#database/write-batcher.js';
import { ClientChangedError, type ClientVersions, clientUnchangedSql, clientUnchangedValues, type JudgedClient } from '../issuer/client-versions.js';

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

/** A client_credentials token: the client acts for itself, with no user, grant or session. */
export type NewClientToken = Omit<NewAccessToken, 'userId' | 'grantId' | 'sessionId'>;

interface IssuedAccessToken {
  readonly token: NewClientToken;
  /** The versions of the token's client and tenant the grant was judged on. */
  readonly judged: ClientVersions;
  /** The token.issued event's own parts; actor and target are the token's client. */
  readonly audit: AuditStamp;
}

export interface RefreshRotation {
  /** The client presenting the token, with the versions it was judged on. */
  readonly client: JudgedClient;
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

/** A token's row with its live state; parameters: now, token hash, tenant. */
const STATE_QUERIES: Readonly<Record<TokenState['kind'], string>> = {
  access_token: `select a.id, a.client_id, a.user_id, a.scope, a.created_at, a.expires_at,
                        (a.revoked_at is null and a.expires_at > ? and c.status = 'active' and c.deleted_at is null
                         and (a.user_id is null or u.status = 'active')) as active
                   from oauth_access_tokens a
                   join oauth_clients c on c.id = a.client_id and c.tenant_id = a.tenant_id
                   left join users u on u.id = a.user_id and u.tenant_id = a.tenant_id
                  where a.token_hash = ? and a.tenant_id = ?`,
  refresh_token: `select r.id, r.client_id, r.user_id, r.scope, r.created_at, r.expires_at,
                         (r.revoked_at is null and r.rotated_at is null and r.expires_at > ? and c.status = 'active' and c.deleted_at is null
                          and u.status = 'active') as active
                    from oauth_refresh_tokens r
                    join oauth_clients c on c.id = r.client_id and c.tenant_id = r.tenant_id
                    join users u on u.id = r.user_id and u.tenant_id = r.tenant_id
                   where r.token_hash = ? and r.tenant_id = ?`,
};

/**
 * The refresh-token families of a session (tenant, session id) not granted with offline_access,
 * found by their first rows: only those are in the session index (RefreshToken).
 */
const FAMILIES_OF_SESSION = `select family_id from oauth_refresh_tokens where tenant_id = ? and session_id = ? and family_head and offline = false`;

/** Statements of token issuance (client_credentials grants, refresh rotations) in flight at once, and at most how many grants in one. */
const ISSUANCE_BATCHES_IN_FLIGHT = 6;
const ISSUANCE_BATCH_MAX = 100;

/**
 * Access and refresh token rows, by plain SQL: each protocol step is one statement, and every
 * statement carries the tenant, so a token of another tenant is simply not found.
 */
@Injectable()
export class TokenRepository {
  /** Access tokens with their audit events, written together when grants arrive together. */
  private readonly issued = new WriteBatcher<IssuedAccessToken, boolean>((rows) => this.insertClientTokens(rows), {
    maxInFlight: ISSUANCE_BATCHES_IN_FLIGHT,
    maxBatch: ISSUANCE_BATCH_MAX,
  });

  /** Refresh-token rotations, likewise. */
  private readonly rotations = new WriteBatcher<RefreshRotation, RotatedRefreshToken | 'unknown' | 'client-changed'>((batch) => this.rotateRefreshTokens(batch), {
    maxInFlight: ISSUANCE_BATCHES_IN_FLIGHT,
    maxBatch: ISSUANCE_BATCH_MAX,
  });

  constructor(
    private readonly sql: Sql,
    private readonly em: EntityManager,
  ) {}

  /**
   * Inserts a client_credentials access token and its token.issued event (actor and target: the
   * client), resolving once both have committed, provided the client and tenant are still the
   * versions the grant was judged on (else ClientChangedError, and nothing is written). Grants that
   * arrive while earlier ones are being written share one statement (WriteBatcher): one round
   * trip and one commit for all of them, each token still with its own event.
   */
  async insertClientToken(token: NewClientToken, judged: ClientVersions, audit: AuditStamp): Promise<void> {
    if (!(await this.issued.write({ token, judged, audit }))) throw new ClientChangedError();
  }

  /** One answer per grant: true when written, false when its client or tenant had changed. */
  private async insertClientTokens(rows: readonly IssuedAccessToken[]): Promise<boolean[]> {
    const column = <V>(pick: (row: IssuedAccessToken, index: number) => V) => rows.map(pick);
    const written = await this.sql.rows<{ n: number }>(
      `with input as (
         select * from unnest(?::int[], ?::uuid[], ?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::timestamptz[], ?::timestamptz[], ?::xid[], ?::xid[])
           as i(n, id, tenant_id, client_id, token_hash, scope, created_at, expires_at, client_version, tenant_version)
       ),
       judged as (
         select * from input i where ${clientUnchangedSql('i.client_id', 'i.tenant_id', 'i.client_version', 'i.tenant_version')}
       ),
       token as (
         insert into oauth_access_tokens (id, tenant_id, client_id, token_hash, scope, created_at, expires_at)
         select id, tenant_id, client_id, token_hash, scope, created_at, expires_at from judged
       ),
       audit as (
         insert into audit_events (${AUDIT_COLUMNS})
         select s.audit_id, s.occurred_at, j.tenant_id, 'client', j.client_id::text, 'token.issued', 'client', j.client_id::text, 'success', s.ip, s.user_agent, s.request_id, s.metadata
           from judged j
           join unnest(?::int[], ?::uuid[], ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::jsonb[]) as s(n, audit_id, occurred_at, ip, user_agent, request_id, metadata) using (n)
       )
       select n from judged`,
      [
        column((_, index) => index), column(({ token }) => token.id), column(({ token }) => token.tenantId), column(({ token }) => token.clientId),
        column(({ token }) => token.tokenHash), column(({ token }) => token.scope), column(({ token }) => token.createdAt), column(({ token }) => token.expiresAt),
        column(({ judged }) => judged.client), column(({ judged }) => judged.tenant),
        column((_, index) => index), column(({ audit }) => audit.id), column(({ audit }) => audit.occurredAt), column(({ audit }) => audit.ip),
        column(({ audit }) => audit.userAgent), column(({ audit }) => audit.requestId), column(({ audit }) => audit.metadata),
      ],
    );
    const accepted = new Set(written.map(({ n }) => n));
    return rows.map((_, index) => accepted.has(index));
  }

  /** The access token's state, judged at `now` against its own expiry and the live client and user. */
  async accessTokenState(tenantId: string, tokenHash: string, now: Date): Promise<TokenState | null> {
    const [row] = await this.sql.rows<StateRow>(STATE_QUERIES.access_token, [now, tokenHash, tenantId]);
    return row ? toState('access_token', row) : null;
  }

  /**
   * A token's state as its own tenant's client `judged` may learn it (introspection), provided
   * the client and tenant are still the versions it was judged on; else ClientChangedError.
   */
  async tokenStateFor(judged: JudgedClient, kind: TokenState['kind'], tokenHash: string, now: Date): Promise<TokenState | null> {
    const [row] = await this.sql.rows<StateRow & { client_unchanged: boolean }>(
      `select ${clientUnchangedSql('?::uuid', '?::uuid', '?::xid', '?::xid')} as client_unchanged, s.*
         from (${STATE_QUERIES[kind]}) s right join (select) one on true`,
      [...clientUnchangedValues(judged), now, tokenHash, judged.tenantId],
    );
    if (!row?.client_unchanged) throw new ClientChangedError();
    return row.id ? toState(kind, row) : null;
  }

  /**
   * Rotates a refresh token (SPEC §5.4): the presented token is marked used and a new token of
   * the same family (same scope and family lifetime) and a new access token (possibly narrower
   * scope) are inserted, with the token.refreshed event. Nothing happens unless the token is
   * unused, unrevoked, unexpired, issued to this client, its user is active and `scope` is within
   * it. Rotations that arrive together share one statement (WriteBatcher); a row is updated at
   * most once per statement, so of two rotations of one token, in one batch or on any replicas,
   * at most one succeeds. Nor does anything happen when the client or tenant are no longer the
   * versions the rotation was judged on: that throws ClientChangedError.
   */
  async rotateRefreshToken(rotation: RefreshRotation): Promise<RotatedRefreshToken | null> {
    const rotated = await this.rotations.write(rotation);
    if (rotated === 'client-changed') throw new ClientChangedError();
    return rotated === 'unknown' ? null : rotated;
  }

  private async rotateRefreshTokens(rotations: readonly RefreshRotation[]): Promise<(RotatedRefreshToken | 'unknown' | 'client-changed')[]> {
    const column = <V>(pick: (rotation: RefreshRotation, index: number) => V) => rotations.map(pick);
    const rows = await this.sql.rows<{ n: number; client_changed: boolean; family_id: string; user_id: string; session_id: string | null; scope: string; auth_time: Date; access_scope: string }>(
      `with input as (
         select * from unnest(?::int[], ?::text[], ?::uuid[], ?::uuid[], ?::xid[], ?::xid[], ?::text[], ?::uuid[], ?::text[], ?::uuid[], ?::text[], ?::timestamptz[], ?::timestamptz[],
                              ?::uuid[], ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::jsonb[])
           as i(n, token_hash, tenant_id, client_id, client_version, tenant_version, scope, refresh_id, refresh_hash, access_id, access_hash, access_expires_at, now,
                audit_id, occurred_at, ip, user_agent, request_id, metadata)
       ),
       judged as (
         select * from input i where ${clientUnchangedSql('i.client_id', 'i.tenant_id', 'i.client_version', 'i.tenant_version')}
       ),
       old as (
         update oauth_refresh_tokens r set rotated_at = i.now
           from judged i
          where r.token_hash = i.token_hash and r.tenant_id = i.tenant_id and r.client_id = i.client_id
            and r.rotated_at is null and r.revoked_at is null and r.expires_at > i.now
            and exists (select 1 from users u where u.id = r.user_id and u.tenant_id = r.tenant_id and u.status = 'active')
            and (i.scope is null or string_to_array(i.scope, ' ') <@ string_to_array(r.scope, ' '))
          returning r.tenant_id, r.client_id, r.user_id, r.family_id, r.scope, r.offline, r.session_id, r.auth_time, r.expires_at,
                    i.n, i.refresh_id, i.refresh_hash, i.access_id, i.access_hash, i.access_expires_at, i.now, coalesce(i.scope, r.scope) as access_scope,
                    i.audit_id, i.occurred_at, i.ip, i.user_agent, i.request_id, i.metadata
       ),
       next_refresh as (
         insert into oauth_refresh_tokens (id, tenant_id, client_id, user_id, family_id, family_head, token_hash, scope, offline, session_id, auth_time, created_at, expires_at)
         select refresh_id, tenant_id, client_id, user_id, family_id, false, refresh_hash, scope, offline, session_id, auth_time, now, expires_at from old
       ),
       next_access as (
         insert into oauth_access_tokens (id, tenant_id, client_id, user_id, token_hash, scope, grant_id, session_id, created_at, expires_at)
         select access_id, tenant_id, client_id, user_id, access_hash, access_scope, family_id, session_id, now, access_expires_at from old
       ),
       audit as (
         insert into audit_events (${AUDIT_COLUMNS})
         select audit_id, occurred_at, tenant_id, 'client', client_id::text, 'token.refreshed', 'user', user_id::text, 'success', ip, user_agent, request_id, metadata from old
       )
       select n, false as client_changed, family_id, user_id, session_id, scope, auth_time, access_scope from old
       union all
       select n, true, null, null, null, null, null, null from input where n not in (select n from judged)`,
      [
        column((_, index) => index), column((r) => r.tokenHash), column((r) => r.client.tenantId), column((r) => r.client.id),
        column((r) => r.client.versions.client), column((r) => r.client.versions.tenant), column((r) => r.scope),
        column((r) => r.refreshId), column((r) => r.refreshHash), column((r) => r.accessId), column((r) => r.accessHash), column((r) => r.accessExpiresAt), column((r) => r.now),
        column((r) => r.audit.id), column((r) => r.audit.occurredAt), column((r) => r.audit.ip), column((r) => r.audit.userAgent), column((r) => r.audit.requestId), column((r) => r.audit.metadata),
      ],
    );
    const results: (RotatedRefreshToken | 'unknown' | 'client-changed')[] = rotations.map(() => 'unknown');
    for (const row of rows) {
      results[row.n] = row.client_changed ? 'client-changed' : { familyId: row.family_id, userId: row.user_id, sessionId: row.session_id, scope: row.scope, accessScope: row.access_scope, authTime: new Date(row.auth_time) };
    }
    return results;
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
   * A new sign-in in the same browser replaced session `from` by `to`. The same user's refresh
   * tokens tied to the old session (not offline ones) now belong to the new one, so that its
   * logout still reaches them; a different user's are revoked, since nothing could end them any
   * more. Every row of those families moves, revoked ones included: logout finds a family by its
   * first row, which may be revoked while a later one is not (a revocation racing a rotation).
   */
  async sessionReplaced(tenantId: string, from: { id: string; userId: string }, to: { id: string; userId: string }, at: Date): Promise<void> {
    if (from.userId !== to.userId) return this.revokeSessionTokens(tenantId, from.id, at);
    await this.sql.run(
      `update oauth_refresh_tokens set session_id = ?
        where tenant_id = ? and family_id in (${FAMILIES_OF_SESSION} and user_id = ?)`,
      [to.id, tenantId, tenantId, from.id, to.userId],
    );
  }

  /**
   * SPEC §5.3: ending a sign-in session revokes the refresh tokens issued in it, except those
   * granted with offline_access, and the access tokens of the same families. Through the
   * EntityManager, so it joins the caller's transaction (the session's end and its event).
   */
  async revokeSessionTokens(tenantId: string, sessionId: string, at: Date): Promise<void> {
    await this.em.execute(
      `with families as (
         update oauth_refresh_tokens set revoked_at = ?
          where tenant_id = ? and revoked_at is null and family_id in (${FAMILIES_OF_SESSION})
          returning family_id
       )
       update oauth_access_tokens set revoked_at = ?
        where tenant_id = ? and revoked_at is null and grant_id in (select family_id from families)`,
      [at, tenantId, tenantId, sessionId, at, tenantId],
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
