import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { ifAdvisoryLockFree } from '#database/advisory-lock.js';
import type { AppConfig } from '#platform/config/app-config.js';
import { APP_CONFIG } from '#platform/config/config.tokens.js';
import { Clock } from '#platform/time/clock.js';

/** Rows per DELETE: small enough that no statement holds locks for long. */
const BATCH = 5_000;
/** One purge at a time across replicas; the others skip the run. */
export const PURGE_LOCK_KEY = 4_207_113_004;
/** Consumed codes stay a day past expiry, so a late replay is still recognised and revoked. */
const CODE_GRACE = "interval '1 day'";
/** Refresh-token families whose heads one batch takes; each brings its later rows (BATCH at most). */
const FAMILIES_PER_BATCH = 500;
/**
 * Refresh-token families stay an hour past their end: a replica whose clock runs behind the
 * purge's could otherwise still rotate a token of a family while it is being deleted, and leave
 * a row behind that no index of heads would ever find again.
 */
const REFRESH_FAMILY_GRACE_MS = 3_600_000;

/** Expired refresh tokens whose family has no head (left by the previous release's purge). */
const HEADLESS_REFRESH_TOKENS = `not family_head and expires_at <= ?
  and not exists (select 1 from oauth_refresh_tokens head where head.family_id = oauth_refresh_tokens.family_id and head.family_head)`;

function uuidArray(ids: readonly string[]): string {
  return `{${ids.join(',')}}`;
}

export interface PurgeReport {
  readonly skipped: boolean;
  readonly deleted: Readonly<Record<string, number>>;
}

/**
 * Deletes what has expired (SPEC §2, §7): sessions past their absolute or idle end, interactions,
 * authorization codes a day after expiry, access tokens, refresh-token families an hour past their end,
 * empty rate-limit buckets, and audit events past retention (the audit trigger lets only this purge delete, and never rows
 * younger than 90 days). In batches, each its own short transaction, under an advisory lock so
 * replicas running it on a schedule do not repeat each other's work.
 */
@Injectable()
export class PurgeService {
  constructor(
    private readonly orm: MikroORM,
    private readonly em: EntityManager,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async run(): Promise<PurgeReport> {
    const deleted = await ifAdvisoryLockFree(this.orm, this.config.database, PURGE_LOCK_KEY, () => this.purgeAll());
    return deleted ? { skipped: false, deleted } : { skipped: true, deleted: {} };
  }

  private async purgeAll(): Promise<Record<string, number>> {
    const now = this.clock.now();
    const idleCutoff = new Date(now.getTime() - this.config.session.idleTtlSeconds * 1000);
    const auditCutoff = new Date(now.getTime() - this.config.auditRetentionDays * 86_400_000);
    const deleted: Record<string, number> = {};
    deleted.sessions = await this.batches('sessions', 'expires_at <= ? or last_seen_at <= ?', [now, idleCutoff]);
    deleted.oauth_interactions = await this.batches('oauth_interactions', 'expires_at <= ?', [now]);
    deleted.oauth_authorization_codes = await this.batches('oauth_authorization_codes', `expires_at <= ?::timestamptz - ${CODE_GRACE}`, [now]);
    deleted.oauth_access_tokens = await this.batches('oauth_access_tokens', 'expires_at <= ?', [now]);
    deleted.oauth_refresh_tokens = await this.refreshFamilies(new Date(now.getTime() - REFRESH_FAMILY_GRACE_MS));
    // A bucket whose theoretical arrival time has passed is empty: deleting it changes no answer.
    deleted.rate_limit_buckets = await this.batches('rate_limit_buckets', 'tat <= ?', [now], { key: 'bucket' });
    // The audit trigger deletes nothing unless the transaction declares itself the purge.
    // Never younger than the trigger's own floor (90 days by the database's clock), so a replica
    // whose clock runs ahead cannot make a batch fail at the minimum retention.
    deleted.audit_events = await this.batches('audit_events', `occurred_at < least(?::timestamptz, now() - interval '90 days')`, [auditCutoff], { preamble: `set local opentrusty.audit_purge = 'on'` });
    return deleted;
  }

  /**
   * Refresh-token families that ended before `cutoff`. Every row of a family shares its end, and
   * only a family's first row (its head) is in the expiry index, so families are found by their
   * heads, in order of end. Each batch, its own short transaction, deletes at most BATCH later
   * rows of up to FAMILIES_PER_BATCH families, then the heads whose families have no other row
   * left, so a family is never left without its head. Rows locked by someone else (a logout
   * revoking the family, say) are skipped, never waited for: their families wait for the next
   * run, and the batches move on past them.
   */
  private async refreshFamilies(cutoff: Date): Promise<number> {
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
             select id from oauth_refresh_tokens where family_id = any(?::uuid[]) and not family_head limit ${BATCH} for update skip locked
           ) returning id`,
          [uuidArray(heads.map((head) => head.family_id))],
        );
        const emptied = await this.em.execute<unknown[]>(
          `delete from oauth_refresh_tokens h where h.id = any(?::uuid[])
             and not exists (select 1 from oauth_refresh_tokens o where o.family_id = h.family_id and not o.family_head)
           returning id`,
          [uuidArray(heads.map((head) => head.id))],
        );
        return { deleted: later.length + emptied.length, heads, laterLeft: later.length === BATCH };
      });
      total += batch.deleted;
      // A full batch of later rows may have left more of the same families: take them again.
      if (batch.laterLeft) continue;
      if (batch.heads.length < FAMILIES_PER_BATCH) break;
      const last = batch.heads[batch.heads.length - 1]!;
      after = { expiresAt: last.expires_at, id: last.id };
    }
    // Until a later release drops the full expiry index, the previous release's purge may still
    // run on other replicas; it deletes row by row and can take a head while a later row is held.
    // Such rows have no head left to be found by, so they are found here.
    return total + (await this.batches('oauth_refresh_tokens', HEADLESS_REFRESH_TOKENS, [cutoff]));
  }

  /** Deletes matching rows BATCH at a time, each batch its own short transaction. */
  private async batches(table: string, condition: string, params: unknown[], options: { preamble?: string; key?: string } = {}): Promise<number> {
    const key = options.key ?? 'id';
    let total = 0;
    for (;;) {
      const count = await this.em.transactional(async () => {
        if (options.preamble) await this.em.execute(options.preamble);
        // Rows being changed right now are skipped (a live session touched, a bucket counted), and
        // the condition is checked again on the row as it is when deleted, not as it was found.
        const rows = await this.em.execute<unknown[]>(
          `delete from ${table} where ${key} in (select ${key} from ${table} where ${condition} limit ${BATCH} for update skip locked) and ${condition} returning ${key}`,
          [...params, ...params],
        );
        return rows.length;
      });
      total += count;
      if (count < BATCH) return total;
    }
  }
}
