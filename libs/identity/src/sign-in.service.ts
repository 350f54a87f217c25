import { Inject, Injectable } from '@nestjs/common';
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
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async signIn(tenantSlug: string, email: string, password: string): Promise<SignInOutcome> {
    const user = await this.users.findForSignIn(tenantSlug, normalizeEmail(email));
    const tenant = user?.tenant;
    const hash = user?.credential?.hash;
    if (!user || !tenant || tenant.status !== 'active' || !hash) return this.reject(password);

    const now = this.clock.now();
    const { valid, needsRehash } = await this.hasher.verify(hash, password);
    // The verification above ran in every case below, so the answer takes the same time.
    if (user.lockedUntil && user.lockedUntil.getTime() > now.getTime()) throw new InvalidCredentialsError();
    if (user.status !== 'active') throw new InvalidCredentialsError();
    if (!valid) {
      const lockUntil = new Date(now.getTime() + this.config.lockout.durationSeconds * 1000);
      await this.users.recordFailedSignIn(tenant.id, user.id, this.config.lockout.threshold, lockUntil);
      throw new InvalidCredentialsError();
    }

    // Success resets the failure count; the caller's flush writes it (and any rehash) with its session.
    user.failedLoginCount = 0;
    user.lockedUntil = null;
    if (needsRehash) this.users.setPassword(user, await this.hasher.hash(password));
    return { user, tenant };
  }

  private async reject(password: string): Promise<never> {
    await this.hasher.verifyNothing(password);
    throw new InvalidCredentialsError();
  }
}
