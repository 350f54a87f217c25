import { Migration } from '@mikro-orm/migrations';

/**
 * Rate-limit counters shared by all replicas (SPEC §8): one GCRA bucket per limited subject.
 * Every hit updates one row; with free room on each page and no index on `tat`, PostgreSQL
 * makes those heap-only updates instead of growing the indexes.
 */
export class Migration20261129000700_rate_limits extends Migration {
  override up(): void {
    this.addSql(`create table "rate_limit_buckets" ("bucket" varchar(80) not null, "tat" timestamptz not null, primary key ("bucket")) with (fillfactor = 70);`);
  }

  override down(): void {
    this.addSql(`drop table if exists "rate_limit_buckets";`);
  }
}
