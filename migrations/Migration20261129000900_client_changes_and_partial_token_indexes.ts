import { Migration } from '@mikro-orm/migrations';

const TABLES = ['tenants', 'oauth_clients'] as const;
const NOTIFY = `begin perform pg_notify('opentrusty_client_changes', ''); return null; end;`;

/**
 * - Every committed change to a tenant or an OAuth client is announced on the
 *   `opentrusty_client_changes` channel, so that each replica drops its in-memory copy of issuers
 *   and clients (IssuerClientCache) at once. Statement triggers as declared on the entities
 *   (`clientChangeTrigger`), plus one for TRUNCATE, which lives here only: the ORM's schema
 *   introspection does not see TRUNCATE triggers.
 * - The user and grant indexes of access tokens leave out rows without a user or a grant: a
 *   client_credentials token, the most frequent kind, then updates four indexes instead of six.
 */
export class Migration20261129000900_client_changes_and_partial_token_indexes extends Migration {
  override up(): void {
    for (const table of TABLES) {
      this.addSql(`create or replace function "${table}_${table}_notify_client_change_fn"() returns trigger as $$ ${NOTIFY} $$ language plpgsql;`);
      this.addSql(`create trigger "${table}_notify_client_change" AFTER INSERT OR UPDATE OR DELETE on "${table}" for each STATEMENT execute function "${table}_${table}_notify_client_change_fn"();`);
      this.addSql(`create or replace function "${table}_${table}_notify_client_truncate_fn"() returns trigger as $$ ${NOTIFY} $$ language plpgsql;`);
      this.addSql(`create trigger "${table}_notify_client_truncate" AFTER TRUNCATE on "${table}" for each STATEMENT execute function "${table}_${table}_notify_client_truncate_fn"();`);
    }
    this.addSql(`drop index "oauth_access_tokens_user_id_index";`);
    this.addSql(`create index "oauth_access_tokens_user_id_index" on "oauth_access_tokens" ("user_id") where user_id is not null;`);
    this.addSql(`drop index "oauth_access_tokens_grant_id_index";`);
    this.addSql(`create index "oauth_access_tokens_grant_id_index" on "oauth_access_tokens" ("grant_id") where grant_id is not null;`);
  }

  override down(): void {
    this.addSql(`drop index "oauth_access_tokens_grant_id_index";`);
    this.addSql(`create index "oauth_access_tokens_grant_id_index" on "oauth_access_tokens" ("grant_id");`);
    this.addSql(`drop index "oauth_access_tokens_user_id_index";`);
    this.addSql(`create index "oauth_access_tokens_user_id_index" on "oauth_access_tokens" ("user_id");`);
    for (const table of TABLES) {
      for (const kind of ['change', 'truncate']) {
        this.addSql(`drop trigger if exists "${table}_notify_client_${kind}" on "${table}";`);
        this.addSql(`drop function if exists "${table}_${table}_notify_client_${kind}_fn"();`);
      }
    }
  }
}
