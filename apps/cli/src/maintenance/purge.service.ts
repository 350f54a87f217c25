import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { ifAdvisoryLockFree } from '#database/advisory-lock.js';
import type { AppConfig } from '#platform/config/app-config.js';
import { APP_CONFIG } from '#platform/config/config.tokens.js';
import { ExpiredRefreshFamilies } from '#oauth/tokens/expired-refresh-families.repository.js';
import { Clock } from '#platform/time/clock.js';

/** Rows per DELETE: small enough that no statement holds locks for long. */
const BATCH = 5_000;
/** One purge at a time across replicas; the others skip the run. */
export const PURGE_LOCK_KEY = 4_207_113_004;
/** Consumed codes stay a day past expiry, so a late replay is still recognised and revoked. */
const CODE_GRACE = "interval '1 day'";
/**
 * Refresh-token families stay an hour past their end: a replica whose clock runs behind the
 * purge's could otherwise still rotate a token of a family while it is being deleted, and leave
 * a row behind that no index of heads would ever find again.
 */
const REFRESH_FAMILY_GRACE_MS = 3_600_000;

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
    private readonly refreshFamilies: ExpiredRefreshFamilies,
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
    deleted.oauth_refresh_tokens = await this.refreshFamilies.deleteEndedBefore(new Date(now.getTime() - REFRESH_FAMILY_GRACE_MS));
    // A bucket whose theoretical arrival time has passed is empty: deleting it changes no answer.
    deleted.rate_limit_buckets = await this.batches('rate_limit_buckets', 'tat <= ?', [now], { key: 'bucket' });
    // The audit trigger deletes nothing unless the transaction declares itself the purge.
    // Never younger than the trigger's own floor (90 days by the database's clock), so a replica
    // whose clock runs ahead cannot make a batch fail at the minimum retention.
    deleted.audit_events = await this.batches('audit_events', `occurred_at < least(?::timestamptz, now() - interval '90 days')`, [auditCutoff], { preamble: `set local opentrusty.audit_purge = 'on'` });
    return deleted;
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
