import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * One rate-limit counter (SPEC §8), shared by every replica. `tat` is the GCRA "theoretical
 * arrival time": the bucket is empty once it lies in the past, and the purge deletes such rows.
 * Written only through RateLimiter's single statement. `tat` is deliberately not indexed, so
 * each hit is a heap-only update (the table is created with spare room on each page for them).
 */
@Entity({ tableName: 'rate_limit_buckets' })
export class RateLimitBucket {
  /** `<limit>:<hash of the subject>`: no address, email or id is stored in clear. */
  @PrimaryKey({ type: 'string', length: 80, collation: 'C' })
  bucket!: string;

  @Property({ type: 'datetime' })
  tat!: Date;

  /** How many hits the bucket's last statement admitted: what that statement reports back. */
  @Property({ type: 'integer', default: 0 })
  admitted: number = 0;
}
