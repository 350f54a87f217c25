import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';

/** Later rows deleted per transaction: small enough that no statement holds locks for long. */
const ROWS_PER_BATCH = 5_000;
/** Family heads one transaction takes; their later rows come ROWS_PER_BATCH at most. */
const FAMILIES_PER_BATCH = 500;

/**
 * Expired later rows whose family has no head. The previous release's purge, which may still run
 * on other replicas until a later release drops the full expiry index, deletes row by row and can
 * take a head while a later row is held; such rows have no head left to be found by.
 */
const HEADLESS = `select r.id from oauth_refresh_tokens r
   where not r.family_head and r.expires_at <= ?
     and not exists (select 1 from oauth_refresh_tokens head where head.family_id = r.family_id and head.family_head)
   limit ${ROWS_PER_BATCH} for update skip locked`;

function uuidArray(ids: readonly string[]): string {
  return `{${ids.join(',')}}`;
}

/**
 * Deletes refresh-token families past their end, for the purge. Every row of a family shares its
 * end, and only a family's first row (its head) is in the expiry index (RefreshToken), so
 * families are found by their heads, in order of end. Each batch, its own short transaction,
 * deletes at most ROWS_PER_BATCH later rows of up to FAMILIES_PER_BATCH families, then the heads
 * whose families have no other row left, so a family is never left without its head. Rows locked
 * by someone else (a logout revoking the family, say) are skipped, never waited for: their
 * families wait for the next run, and the batches move on past them.
 */
@Injectable()
export class ExpiredRefreshFamilies {
  constructor(private readonly em: EntityManager) {}

  /** Deletes the families that ended before `cutoff`; how many rows it deleted. */
  async deleteEndedBefore(cutoff: Date): Promise<number> {
    let total = 0;
    // The cursor's end travels as PostgreSQL's own text, microseconds included: with a JS Date's
    // milliseconds, heads held by others could be selected again for ever.
    let after: { expiresAt: string; id: string } | null = null;
    for (;;) {
      const batch = await this.em.transactional(async () => {
        const heads = await this.em.execute<{ id: string; family_id: string; expires_at: string }[]>(
          `select id, family_id, expires_at::text as expires_at from oauth_refresh_tokens
            where family_head and expires_at <= ? ${after ? 'and (expires_at, id) > (?::timestamptz, ?::uuid)' : ''}
            order by expires_at, id limit ${FAMILIES_PER_BATCH} for update skip locked`,
          after ? [cutoff, after.expiresAt, after.id] : [cutoff],
        );
        if (heads.length === 0) return { deleted: 0, heads, laterLeft: false };
        const later = await this.em.execute<unknown[]>(
          `delete from oauth_refresh_tokens where id in (
             select id from oauth_refresh_tokens where family_id = any(?::uuid[]) and not family_head limit ${ROWS_PER_BATCH} for update skip locked
           ) returning id`,
          [uuidArray(heads.map((head) => head.family_id))],
        );
        const emptied = await this.em.execute<unknown[]>(
          `delete from oauth_refresh_tokens h where h.id = any(?::uuid[])
             and not exists (select 1 from oauth_refresh_tokens o where o.family_id = h.family_id and not o.family_head)
           returning id`,
          [uuidArray(heads.map((head) => head.id))],
        );
        return { deleted: later.length + emptied.length, heads, laterLeft: later.length === ROWS_PER_BATCH };
      });
      total += batch.deleted;
      // A full batch of later rows may have left more of the same families: take them again.
      if (batch.laterLeft) continue;
      if (batch.heads.length < FAMILIES_PER_BATCH) break;
      const last = batch.heads[batch.heads.length - 1]!;
      after = { expiresAt: last.expires_at, id: last.id };
    }
    return total + (await this.deleteHeadless(cutoff));
  }

  private async deleteHeadless(cutoff: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await this.em.execute<unknown[]>(`delete from oauth_refresh_tokens where id in (${HEADLESS}) returning id`, [cutoff]);
      total += rows.length;
      if (rows.length < ROWS_PER_BATCH) return total;
    }
  }
}
