import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { SigningKey, type SigningAlgorithm } from './signing-key.entity.js';

/** The only code that reads or writes signing keys; every query carries the tenant. */
@Injectable()
export class SigningKeyRepository {
  constructor(private readonly em: EntityManager) {}

  /** Every key of the tenant that has not expired at `now`, oldest first. */
  listLive(tenantId: string, now: Date): Promise<SigningKey[]> {
    return this.em.find(SigningKey, { tenant: tenantId, $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] }, { orderBy: { activatesAt: 'asc', id: 'asc' } });
  }

  /**
   * Makes key changes of one tenant wait for each other until the transaction ends: two rotations
   * at once would otherwise both retire the same predecessor and leave one of their new keys
   * active and published for ever. The tenant's row is the lock (NO KEY UPDATE, so that inserts
   * referring to the tenant are not held up).
   */
  async lockKeysOf(tenantId: string): Promise<void> {
    await this.em.execute('select 1 from tenants where id = ? for no key update', [tenantId]);
  }

  /** The key of this algorithm that activates last (the active one, or the one staged after it). */
  latest(tenantId: string, alg: SigningAlgorithm): Promise<SigningKey | null> {
    return this.em.findOne(SigningKey, { tenant: tenantId, alg }, { orderBy: { activatesAt: 'desc', id: 'desc' } });
  }

  /** Staged keys that have not activated yet (they never signed anything). */
  async deletePending(tenantId: string, alg: SigningAlgorithm, now: Date): Promise<number> {
    return this.em.nativeDelete(SigningKey, { tenant: tenantId, alg, activatesAt: { $gt: now } });
  }

  /** Tenants whose newest key of some algorithm activated before `cutoff` (due for rotation). */
  async tenantsDueForRotation(cutoff: Date): Promise<string[]> {
    const rows = await this.em.execute<{ tenant_id: string }[]>(
      `select k.tenant_id from signing_keys k join tenants t on t.id = k.tenant_id and t.deleted_at is null
        group by k.tenant_id, k.alg having max(k.activates_at) < ?`,
      [cutoff],
    );
    return [...new Set(rows.map((row) => row.tenant_id))];
  }

  /** Live tenants with no key at all (created before signing keys existed). */
  async tenantsWithoutKeys(): Promise<string[]> {
    const rows = await this.em.execute<{ id: string }[]>(
      `select t.id from tenants t where t.deleted_at is null and not exists (select 1 from signing_keys k where k.tenant_id = t.id)`,
    );
    return rows.map((row) => row.id);
  }

  /** One key of any tenant, to prove the key-encryption key can open what is stored. */
  anyKey(): Promise<SigningKey | null> {
    return this.em.findOne(SigningKey, { id: { $ne: null } }, { orderBy: { createdAt: 'desc' } });
  }

  add(key: SigningKey): void {
    this.em.persist(key);
  }
}
