import { Inject, Injectable } from '@nestjs/common';
import { AuditWriter } from '#audit/audit-writer.js';
import { Metrics } from '#platform/metrics/metrics.js';
import { currentRequestMeta } from '#platform/context/request-meta.js';
import { RateLimiter } from '#database/rate-limit/rate-limiter.js';
import type { AppConfig } from '#platform/config/app-config.js';
import { APP_CONFIG } from '#platform/config/config.tokens.js';
import { DomainError } from '#platform/errors/domain-error.js';
import { Clock } from '#platform/time/clock.js';
import type { Tenant } from '#tenancy/tenant.entity.js';
import { normalizeEmail } from './email.js';
import { PasswordHasher } from './password-hasher.js';
import type { User } from './user.entity.js';
import { UserRepository } from './user.repository.js';

/** The one answer for every failed sign-in, whatever the reason (SPEC §5.2). */
export class InvalidCredentialsError extends DomainError {
  constructor() {
    super('unauthenticated', 'invalid_credentials', 'Invalid email or password.');
  }
}

export type SignInPlane = 'admin' | 'auth';

export interface SignInOutcome {
  readonly user: User;
  readonly tenant: Tenant;
}

/**
 * Password sign-in for both planes. Every attempt costs exactly one Argon2id verification, so
 * an unknown tenant or email, a disabled or locked user and a wrong password all take about the
 * same time and produce the same error. Consecutive failures lock the account (SPEC §5.2).
 */
@Injectable()
export class SignInService {
  constructor(
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly clock: Clock,
    private readonly audit: AuditWriter,
    private readonly metrics: Metrics,
    private readonly rateLimiter: RateLimiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Checks the password. Failures are audited here (on their own connection: they change nothing
   * a transaction could roll back), successes by the caller, with the session it starts.
   */
  async signIn(tenantSlug: string, email: string, password: string, plane: SignInPlane): Promise<SignInOutcome> {
    const normalized = normalizeEmail(email);
    // Before any work: a refused attempt costs no Argon2id time and reveals nothing about the account.
    const { ip } = currentRequestMeta();
    await this.rateLimiter.hitAll([...(ip ? [['signInPerIp', ip] as const] : []), ['signInPerAccount', `${tenantSlug.toLowerCase()}\n${normalized}`]]);
    const user = await this.users.findForSignIn(tenantSlug, normalized);
    const tenant = user?.tenant;
    const hash = user?.credential?.hash;
    if (!user || !tenant || tenant.status !== 'active' || !hash) {
      await this.hasher.verifyNothing(password);
      const reason = !user ? 'unknown_account' : tenant?.status !== 'active' ? 'tenant_inactive' : 'no_password';
      return this.fail(reason, plane, normalized, tenant?.id ?? null, user?.id ?? null);
    }

    const now = this.clock.now();
    const { valid, needsRehash } = await this.hasher.verify(hash, password);
    // The verification above ran in every case below, so the answer takes the same time.
    if (user.lockedUntil && user.lockedUntil.getTime() > now.getTime()) return this.fail('locked', plane, normalized, tenant.id, user.id);
    if (user.status !== 'active') return this.fail('disabled', plane, normalized, tenant.id, user.id);
    if (!valid) {
      const lockUntil = new Date(now.getTime() + this.config.lockout.durationSeconds * 1000);
      const counted = await this.users.recordFailedSignIn(tenant.id, user.id, this.config.lockout.threshold, lockUntil);
      if (counted.lockedUntil) {
        await this.audit.recordIndependently({
          action: 'user.locked',
          tenantId: tenant.id,
          actor: { type: 'system' },
          target: { type: 'user', id: user.id },
          metadata: { locked_until: counted.lockedUntil.toISOString() },
        });
      }
      return this.fail('wrong_password', plane, normalized, tenant.id, user.id);
    }

    this.metrics.logins.inc({ plane, outcome: 'success' });
    // Success resets the failure count; the caller's flush writes it (and any rehash) with its session.
    user.failedLoginCount = 0;
    user.lockedUntil = null;
    if (needsRehash) this.users.setPassword(user, await this.hasher.hash(password));
    return { user, tenant };
  }

  /** Records a failed sign-in (also used by callers that refuse a correct password, e.g. no admin access). */
  async fail(reason: string, plane: SignInPlane, email: string, tenantId: string | null, userId: string | null): Promise<never> {
    this.metrics.logins.inc({ plane, outcome: 'failure' });
    await this.audit.recordIndependently({
      action: 'auth.login.failed',
      tenantId,
      actor: userId ? { type: 'user', id: userId } : { type: 'anonymous' },
      ...(userId ? { target: { type: 'user', id: userId } } : {}),
      outcome: 'failure',
      metadata: { plane, reason, email },
    });
    throw new InvalidCredentialsError();
  }
}
