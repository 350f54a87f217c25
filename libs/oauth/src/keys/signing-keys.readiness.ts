import { Injectable } from '@nestjs/common';
import type { ReadinessCheck } from '#health/readiness-check.js';
import { Clock } from '#platform/time/clock.js';
import { SigningKeyService } from './signing-key.service.js';

const RECHECK_MS = 30_000;

/**
 * SPEC §8: not ready unless signing keys are loadable, i.e. the configured key-encryption key
 * opens what the database holds (a wrong key would make every token request fail).
 */
@Injectable()
export class SigningKeysReadiness implements ReadinessCheck {
  readonly name = 'signing_keys';
  private last: { at: number; ready: boolean } | undefined;

  constructor(
    private readonly keys: SigningKeyService,
    private readonly clock: Clock,
  ) {}

  async check(): Promise<{ ready: boolean; message?: string }> {
    const now = this.clock.now().getTime();
    if (!this.last || now - this.last.at > RECHECK_MS || !this.last.ready) {
      this.last = { at: now, ready: await this.keys.canDecryptStoredKeys() };
    }
    return this.last.ready ? { ready: true } : { ready: false, message: 'stored signing keys do not decrypt with OPENTRUSTY_KEY_ENCRYPTION_KEY' };
  }
}
