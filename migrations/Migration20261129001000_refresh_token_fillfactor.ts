import { Migration } from '@mikro-orm/migrations';

/**
 * Room on each page of oauth_refresh_tokens for the new version of a row: a rotation sets
 * `rotated_at` (no index covers it), and with free space on the page PostgreSQL writes that as a
 * heap-only tuple, leaving the table's seven indexes alone. Pages filled to 100 % forced an index
 * entry in every index for more than half of the rotations. Applies to pages written from now on.
 */
export class Migration20261129001000_refresh_token_fillfactor extends Migration {
  override up(): void {
    this.addSql(`alter table "oauth_refresh_tokens" set (fillfactor = 80);`);
  }

  override down(): void {
    this.addSql(`alter table "oauth_refresh_tokens" reset (fillfactor);`);
  }
}
