import { Inject, Injectable } from '@nestjs/common';
import { hash, verify, type Options } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { ConcurrencyLimiter } from '#platform/concurrency/limiter.js';
import { Metrics } from '#platform/metrics/metrics.js';
import type { AppConfig } from '#platform/config/app-config.js';
import { APP_CONFIG } from '#platform/config/config.tokens.js';

/** Algorithm.Argon2id: the package's enum is a const enum, which isolated modules cannot import. */
const ARGON2ID = 2 as Options['algorithm'];

export interface VerifyResult {
  readonly valid: boolean;
  /** The hash was made with other parameters than the configured ones: store a new one. */
  readonly needsRehash: boolean;
}

/**
 * Argon2id password hashing (PHC strings), with the configured cost. `verifyNothing()` spends
 * the same time as a real verification, so an unknown account cannot be told apart by timing.
 */
@Injectable()
export class PasswordHasher {
  /** Operations performed by this process (for metrics, and to prove every sign-in verifies exactly once). */
  readonly stats = { hashes: 0, verifications: 0 };
  private readonly options: Options;
  private readonly parameters: string;
  private dummyHash: Promise<string> | undefined;
  /** One Argon2id computation per core: more only queues inside libuv's pool and lengthens the tail. */
  private readonly limiter = new ConcurrencyLimiter(availableParallelism());

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    const { memoryKib, timeCost, parallelism } = config.passwordHash;
    this.options = { algorithm: ARGON2ID, memoryCost: memoryKib, timeCost, parallelism };
    this.parameters = `m=${memoryKib},t=${timeCost},p=${parallelism}`;
  }

  hash(password: string): Promise<string> {
    this.stats.hashes++;
    return this.timed('hash', () => this.limiter.run(() => hash(password, this.options)));
  }

  async verify(phc: string, password: string): Promise<VerifyResult> {
    this.stats.verifications++;
    let valid = false;
    try {
      valid = await this.timed('verify', () => this.limiter.run(() => verify(phc, password)));
    } catch {
      valid = false;
    }
    return { valid, needsRehash: valid && !phc.startsWith(`$argon2id$v=19$${this.parameters}$`) };
  }

  private async timed<T>(operation: 'hash' | 'verify', work: () => Promise<T>): Promise<T> {
    const stop = this.metrics.passwordHashDuration.startTimer({ operation });
    try {
      return await work();
    } finally {
      stop();
    }
  }

  /** Burns one verification's worth of time against a hash of a random password; always false. */
  async verifyNothing(password: string): Promise<false> {
    this.dummyHash ??= hash(randomBytes(32).toString('base64'), this.options);
    await this.verify(await this.dummyHash, password);
    return false;
  }
}
