import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { AppConfig } from '#platform/config/app-config.js';
import { APP_CONFIG } from '#platform/config/config.tokens.js';
import { Clock } from '#platform/time/clock.js';
import { TenantRepository } from '#tenancy/tenant.repository.js';
import { SigningKeyRepository } from './signing-key.repository.js';
import { SigningKeyService } from './signing-key.service.js';

/** Only one replica does the maintenance at a time; the others skip it. */
const KEY_MAINTENANCE_LOCK_KEY = 4_207_113_003;

export interface MaintenanceReport {
  readonly skipped: boolean;
  readonly initialized: string[];
  readonly rotated: string[];
}

/**
 * The scheduled part of key management: tenants without keys get their first ones, and a new key
 * is staged for every tenant whose newest key is older than the rotation interval. Promotion and
 * retirement need no job: they follow from each key's timestamps.
 */
@Injectable()
export class KeyMaintenanceService {
  constructor(
    private readonly em: EntityManager,
    private readonly keys: SigningKeyRepository,
    private readonly signingKeys: SigningKeyService,
    private readonly tenants: TenantRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** One pass, inside one transaction holding the maintenance lock (key generation included: it is a background job). */
  async runOnce(): Promise<MaintenanceReport> {
    return this.em.transactional(async () => {
      const [row] = await this.em.execute<{ locked: boolean }[]>('select pg_try_advisory_xact_lock(?) as locked', [KEY_MAINTENANCE_LOCK_KEY]);
      if (!row?.locked) return { skipped: true, initialized: [], rotated: [] };
      const cutoff = new Date(this.clock.now().getTime() - this.config.signingKeys.rotationIntervalDays * 86_400_000);
      const initialized = await this.rotateAll(await this.keys.tenantsWithoutKeys(), true);
      const rotated = await this.rotateAll(await this.keys.tenantsDueForRotation(cutoff), false);
      return { skipped: false, initialized, rotated };
    });
  }

  private async rotateAll(tenantIds: readonly string[], immediately: boolean): Promise<string[]> {
    const slugs: string[] = [];
    for (const tenantId of tenantIds) {
      const tenant = await this.tenants.findById(tenantId);
      if (!tenant) continue;
      await this.signingKeys.rotate(tenant, immediately, { type: 'system' });
      slugs.push(tenant.slug);
    }
    return slugs;
  }
}
