import { Injectable } from '@nestjs/common';
import { Sql } from '#database/sql.js';
import { AUDIT_COLUMNS, type AuditStamp, stampValues } from '#audit/audit-writer.js';
import type { NewAccessToken } from '../tokens/token.repository.js';
import { ClientChangedError, clientUnchangedSql, clientUnchangedValues, type JudgedClient } from '../issuer/client-versions.js';

export interface NewAuthorizationCode {
  readonly id: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly userId: string;
  readonly sessionId: string | null;
  readonly codeHash: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly nonce: string | null;
  readonly codeChallenge: string;
  readonly authTime: Date;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

export interface RedeemedCode {
  readonly id: string;
  readonly userId: string;
  readonly sessionId: string | null;
  readonly scope: string;
  readonly nonce: string | null;
  readonly authTime: Date;
  readonly refreshTokenIssued: boolean;
}

export interface RefreshTokenToIssue {
  readonly id: string;
  readonly tokenHash: string;
  readonly expiresAt: Date;
  /** Confidential clients always get one; public clients only with offline_access (SPEC §5.4). */
  readonly alwaysForThisClient: boolean;
}

export interface Redemption {
  /** The client redeeming the code, with the versions it was judged on. */
  readonly client: JudgedClient;
  readonly codeHash: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly now: Date;
  /** The access token row, completed from the code (user, scope, session, grant) by the statement itself. */
  readonly accessToken: Pick<NewAccessToken, 'id' | 'tokenHash' | 'expiresAt'>;
  /** Null when the client may not use refresh tokens at all. */
  readonly refreshToken: RefreshTokenToIssue | null;
  /** The token.issued event; actor (client) and target (user) come from the code row. */
  readonly audit: AuditStamp;
}

/** Whether the granted scope holds offline_access (scopes are space-separated tokens). */
const HAS_OFFLINE_ACCESS = `((' ' || scope || ' ') like '% offline_access %')`;

/** Authorization codes, by plain SQL. */
@Injectable()
export class AuthorizationCodeRepository {
  constructor(private readonly sql: Sql) {}

  async insert(code: NewAuthorizationCode): Promise<void> {
    await this.sql.run(
      `insert into oauth_authorization_codes (id, tenant_id, client_id, user_id, session_id, code_hash, redirect_uri, scope, nonce, code_challenge, auth_time, created_at, expires_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [code.id, code.tenantId, code.clientId, code.userId, code.sessionId, code.codeHash, code.redirectUri, code.scope, code.nonce, code.codeChallenge, code.authTime, code.createdAt, code.expiresAt],
    );
  }

  /**
   * Consumes the code and issues its tokens in one statement, so two concurrent redemptions
   * (on any replicas) cannot both succeed, and a replay that arrives later always finds the
   * tokens it must revoke. Nothing happens unless the code is unused, unexpired, bound to this
   * client, redirect URI and PKCE challenge, and its user is still active; nor when the client
   * or tenant are no longer the versions the request was judged on (then ClientChangedError).
   */
  async redeem(redemption: Redemption): Promise<RedeemedCode | null> {
    const { accessToken, refreshToken: refresh, client } = redemption;
    const [row] = await this.sql.rows<{ client_unchanged: boolean; id: string | null; user_id: string; session_id: string | null; scope: string; nonce: string | null; auth_time: Date; refresh_issued: boolean }>(
      `with judged as (
         select ${clientUnchangedSql('?::uuid', '?::uuid', '?::xid', '?::xid')} as client_unchanged
       ),
       code as (
         update oauth_authorization_codes c set consumed_at = ?
          where (select client_unchanged from judged)
            and c.code_hash = ? and c.tenant_id = ? and c.client_id = ? and c.consumed_at is null and c.expires_at > ?
            and c.redirect_uri = ? and c.code_challenge = ?
            and exists (select 1 from users u where u.id = c.user_id and u.tenant_id = c.tenant_id and u.status = 'active')
          returning c.id, c.user_id, c.session_id, c.scope, c.nonce, c.auth_time, c.tenant_id, c.client_id
       ),
       access as (
         insert into oauth_access_tokens (id, tenant_id, client_id, user_id, token_hash, scope, grant_id, session_id, created_at, expires_at)
         select ?, tenant_id, client_id, user_id, ?, scope, id, session_id, ?, ? from code
       ),
       refresh as (
         insert into oauth_refresh_tokens (id, tenant_id, client_id, user_id, family_id, family_head, token_hash, scope, offline, session_id, auth_time, created_at, expires_at)
         select ?, tenant_id, client_id, user_id, id, true, ?, scope, ${HAS_OFFLINE_ACCESS}, session_id, auth_time, ?, ? from code
          where ?::boolean and (?::boolean or ${HAS_OFFLINE_ACCESS})
         returning id
       ),
       audit as (
         insert into audit_events (${AUDIT_COLUMNS})
         select ?, ?, tenant_id, 'client', client_id::text, 'token.issued', 'user', user_id::text, 'success', ?, ?, ?, ?::jsonb from code
       )
       select j.client_unchanged, code.id, code.user_id, code.session_id, code.scope, code.nonce, code.auth_time, exists (select 1 from refresh) as refresh_issued
         from judged j left join code on true`,
      [
        ...clientUnchangedValues(client),
        redemption.now, redemption.codeHash, client.tenantId, client.id, redemption.now, redemption.redirectUri, redemption.codeChallenge,
        accessToken.id, accessToken.tokenHash, redemption.now, accessToken.expiresAt,
        refresh?.id ?? null, refresh?.tokenHash ?? null, redemption.now, refresh?.expiresAt ?? null, refresh !== null, refresh?.alwaysForThisClient ?? false,
        ...stampValues(redemption.audit),
      ],
    );
    if (!row?.client_unchanged) throw new ClientChangedError();
    return row.id
      ? { id: row.id, userId: row.user_id, sessionId: row.session_id, scope: row.scope, nonce: row.nonce, authTime: new Date(row.auth_time), refreshTokenIssued: row.refresh_issued }
      : null;
  }

  /** A code that was already consumed (for replay detection), or null. */
  async findConsumed(tenantId: string, clientId: string, codeHash: string): Promise<{ id: string } | null> {
    const [row] = await this.sql.rows<{ id: string }>(
      `select id from oauth_authorization_codes where code_hash = ? and tenant_id = ? and client_id = ? and consumed_at is not null`,
      [codeHash, tenantId, clientId],
    );
    return row ?? null;
  }
}
