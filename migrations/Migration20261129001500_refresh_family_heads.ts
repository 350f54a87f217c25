import { Migration } from '@mikro-orm/migrations';

/**
 * A refresh-token rotation inserted seven index entries for its new row, four of them for
 * columns that are the same on every row of a family (client, user, session, end):
 * - `family_head` marks a family's first row, and new indexes on client, session and end hold
 *   only those rows; revoking a client's or a session's tokens, moving tokens to a replacing
 *   session and the purge find the families there and then act on all their rows through the
 *   family index.
 * - The user indexes of both token tables go: no statement of this version or the previous one
 *   reads tokens by user (a user's status is checked live on every use of a token).
 * Expand only: the full client, session and expiry indexes stay, because the previous version's
 * statements need them during a rolling upgrade or after a rollback. A later release drops them,
 * and only then does a rotation write three index entries (id, hash, family).
 * Rows written before this migration all count as heads (the column's default): the partial
 * indexes then hold more rows than they need, never fewer, and every family stays reachable.
 */
export class Migration20261129001500_refresh_family_heads extends Migration {
  override up(): void {
    this.addSql(`alter table "oauth_refresh_tokens" add column "family_head" boolean not null default true;`);
    this.addSql(`drop index "oauth_refresh_tokens_user_id_index";`);
    this.addSql(`drop index "oauth_access_tokens_user_id_index";`);
    this.addSql(`create index "oauth_refresh_tokens_head_client_id_index" on "oauth_refresh_tokens" ("client_id") where family_head;`);
    this.addSql(`create index "oauth_refresh_tokens_head_session_id_index" on "oauth_refresh_tokens" ("session_id") where family_head;`);
    this.addSql(`create index "oauth_refresh_tokens_head_expires_at_index" on "oauth_refresh_tokens" ("expires_at") where family_head;`);
  }

  override down(): void {
    this.addSql(`drop index "oauth_refresh_tokens_head_expires_at_index";`);
    this.addSql(`drop index "oauth_refresh_tokens_head_session_id_index";`);
    this.addSql(`drop index "oauth_refresh_tokens_head_client_id_index";`);
    this.addSql(`create index "oauth_access_tokens_user_id_index" on "oauth_access_tokens" ("user_id") where user_id is not null;`);
    this.addSql(`create index "oauth_refresh_tokens_user_id_index" on "oauth_refresh_tokens" ("user_id");`);
    this.addSql(`alter table "oauth_refresh_tokens" drop column "family_head";`);
  }
}
