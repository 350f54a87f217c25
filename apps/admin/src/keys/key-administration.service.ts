import { actorOf, type Principal } from '#access/principal.js';
import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import { keyStateAt } from '#oauth/keys/key-state.js';
import type { SigningKey } from '#oauth/keys/signing-key.entity.js';
import { SigningKeyService } from '#oauth/keys/signing-key.service.js';
import { Clock } from '#platform/time/clock.js';
import { TenantRepository } from '#tenancy/tenant.repository.js';
import { TenantNotFoundError } from '../tenants/tenant-administration.service.js';
import type { signingKeySchema } from './key.schemas.js';

export type SigningKeyView = z.output<typeof signingKeySchema>;

/** The keys resource (SPEC §6.2): what a tenant signs with, never any private material. */
@Injectable()
export class KeyAdministrationService {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly signingKeys: SigningKeyService,
    private readonly clock: Clock,
  ) {}

  async list(tenantId: string): Promise<{ items: SigningKeyView[] }> {
    await this.requireTenant(tenantId);
    const now = this.clock.now();
    return { items: (await this.signingKeys.liveKeys(tenantId)).map((key) => present(key, now)) };
  }

  async rotate(principal: Principal, tenantId: string, immediately: boolean): Promise<{ items: SigningKeyView[] }> {
    const tenant = await this.requireTenant(tenantId);
    await this.signingKeys.rotate(tenant, immediately, actorOf(principal));
    return this.list(tenantId);
  }

  private async requireTenant(tenantId: string) {
    const tenant = await this.tenants.findById(tenantId);
    if (!tenant) throw new TenantNotFoundError();
    return tenant;
  }
}

function present(key: SigningKey, now: Date): SigningKeyView {
  return {
    kid: key.kid,
    alg: key.alg,
    state: keyStateAt(key, now),
    created_at: key.createdAt.toISOString(),
    activates_at: key.activatesAt.toISOString(),
    retired_at: key.retiredAt?.toISOString() ?? null,
    expires_at: key.expiresAt?.toISOString() ?? null,
  };
}
