import { Migration } from '@mikro-orm/migrations';

/**
 * Refresh-token pages filled to half: every row is updated about once in its life (rotated, or
 * revoked), so half a page of room lets each of its rows' new versions stay on the page as a
 * heap-only tuple, leaving the table's seven indexes alone. At 80 % (Migration20261129001000)
 * rotating the tokens of one page in quick succession filled it after a quarter of them, and
 * four rotations in ten still wrote an entry into every index. Twice the space for the table,
 * which the purge keeps bounded. Applies to pages written from now on.
 */
export class Migration20261129001200_refresh_token_fillfactor_half extends Migration {
  override up(): void {
    this.addSql(`alter table "oauth_refresh_tokens" set (fillfactor = 50);`);
  }

  override down(): void {
    this.addSql(`alter table "oauth_refresh_tokens" set (fillfactor = 80);`);
  }
}
