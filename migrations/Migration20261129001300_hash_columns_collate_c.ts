import { Migration } from '@mikro-orm/migrations';

/** Columns holding hashes and identifiers: compared for equality and kept in B-trees, never sorted for people. */
const COLUMNS = [
  ['oauth_access_tokens', 'token_hash', 64],
  ['oauth_refresh_tokens', 'token_hash', 64],
  ['oauth_authorization_codes', 'code_hash', 64],
  ['oauth_interactions', 'handle_hash', 64],
  ['sessions', 'token_hash', 64],
  ['rate_limit_buckets', 'bucket', 80],
  ['audit_events', 'actor_id', 64],
  ['audit_events', 'action', 64],
  ['audit_events', 'target_id', 64],
] as const;

/**
 * Byte-order collation ("C") for hash and identifier columns: every index comparison is then a
 * memcmp instead of a call into the operating system's locale (strcoll), which costs more under
 * any locale and much more under en_US.UTF-8. Equality is unchanged for these values (hex, base64url,
 * UUIDs, dotted ASCII names). PostgreSQL rebuilds each column's indexes; the tables are not
 * rewritten.
 */
export class Migration20261129001300_hash_columns_collate_c extends Migration {
  override up(): void {
    for (const [table, column, length] of COLUMNS) {
      this.addSql(`alter table "${table}" alter column "${column}" type varchar(${length}) collate "C";`);
    }
  }

  override down(): void {
    for (const [table, column, length] of COLUMNS) {
      this.addSql(`alter table "${table}" alter column "${column}" type varchar(${length}) collate "default";`);
    }
  }
}
