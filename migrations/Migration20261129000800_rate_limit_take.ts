import { Migration } from '@mikro-orm/migrations';

/**
 * `ot_rate_limit_take`: takes up to `requested` hits from a GCRA bucket at once and says how many
 * it admitted. A replica sends the hits that arrive for one bucket while its previous statement
 * is in flight as one batch, so a busy client costs one statement per batch instead of one per
 * request, and concurrent requests stop queueing on the bucket's row lock. The row lock taken
 * here keeps the count exact across replicas. The hit commits asynchronously (see RateLimiter).
 */
export class Migration20261129000800_rate_limit_take extends Migration {
  override up(): void {
    this.addSql(`create function ot_rate_limit_take(p_bucket text, p_now timestamptz, p_emission_ms float8, p_period_ms float8, p_requested integer)
  returns table (admitted integer, tat_ms float8)
  language plpgsql
as $$
declare
  v_tat timestamptz;
  v_start timestamptz;
  v_room integer;
begin
  perform set_config('synchronous_commit', 'off', true);
  select b.tat into v_tat from rate_limit_buckets b where b.bucket = p_bucket for update;
  if not found then
    insert into rate_limit_buckets (bucket, tat) values (p_bucket, p_now) on conflict (bucket) do nothing;
    select b.tat into v_tat from rate_limit_buckets b where b.bucket = p_bucket for update;
  end if;
  v_start := greatest(v_tat, p_now);
  -- Whole emission intervals left before the bucket would run more than one period ahead of now
  -- (the epsilon absorbs floating-point error in period / emission = limit).
  v_room := floor((extract(epoch from (p_now - v_start)) * 1000 + p_period_ms) / p_emission_ms + 1e-9);
  admitted := greatest(0, least(p_requested, v_room));
  if admitted > 0 then
    update rate_limit_buckets set tat = v_start + (admitted * p_emission_ms) * interval '1 millisecond' where bucket = p_bucket;
    tat_ms := extract(epoch from v_start) * 1000 + admitted * p_emission_ms;
  else
    tat_ms := extract(epoch from v_tat) * 1000;
  end if;
  return next;
end
$$;`);
  }

  override down(): void {
    this.addSql(`drop function if exists ot_rate_limit_take(text, timestamptz, float8, float8, integer);`);
  }
}
