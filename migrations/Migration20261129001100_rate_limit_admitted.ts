import { Migration } from '@mikro-orm/migrations';

/**
 * A bucket also keeps how many hits its last statement admitted, so that one `insert … on
 * conflict do update … returning` can take a batch of hits and report the outcome: the update
 * computes both from the row it locks, with no separate `select … for update` and no function
 * call (RateLimiter). `ot_rate_limit_take` stays for replicas of the previous release during a
 * rolling update; a later migration drops it.
 */
export class Migration20261129001100_rate_limit_admitted extends Migration {
  override up(): void {
    this.addSql(`alter table "rate_limit_buckets" add column "admitted" int not null default 0;`);
  }

  override down(): void {
    this.addSql(`alter table "rate_limit_buckets" drop column "admitted";`);
  }
}
