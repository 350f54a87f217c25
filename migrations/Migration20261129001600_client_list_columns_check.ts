import { Migration } from '@mikro-orm/migrations';

/**
 * A client's redirect URIs, post-logout URIs, grant types and scopes are jsonb columns that the
 * token, authorization and logout paths read as arrays of strings. The admin API only ever writes
 * such arrays; this makes the database refuse anything else too (a row edited by hand), so a
 * malformed client cannot turn a protocol request into a 500. The constraint is validated on
 * existing rows: a database holding such a row refuses this migration, naming the constraint,
 * until the row is corrected.
 */
export class Migration20261129001600_client_list_columns_check extends Migration {
  override up(): void {
    // CASE, not AND: the path would raise an error on a non-array, and AND does not promise to
    // evaluate its left side first.
    const arrayOfStrings = (column: string) => `case when jsonb_typeof(${column}) = 'array' then not jsonb_path_exists(${column}, 'strict $[*] ? (@.type() != "string")') else false end`;
    const lists = ['redirect_uris', 'post_logout_redirect_uris', 'grant_types', 'scopes'].map(arrayOfStrings).join(' and ');
    this.addSql(`alter table "oauth_clients" add constraint "oauth_clients_lists_check" check (${lists});`);
  }

  override down(): void {
    this.addSql(`alter table "oauth_clients" drop constraint "oauth_clients_lists_check";`);
  }
}
