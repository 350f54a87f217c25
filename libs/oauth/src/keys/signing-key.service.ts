import { Inject, Injectable } from '@nestjs/common';
import { AuditWriter, type AuditActor } from '#audit/audit-writer.js';
import { EntityManager } from '@mikro-orm/postgresql';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import type { AppConfig } from '#platform/config/app-config.js';
import { APP_CONFIG, KEY_ENCRYPTION_KEY } from '#platform/config/config.tokens.js';
import { Clock } from '#platform/time/clock.js';
import type { Tenant } from '#tenancy/tenant.entity.js';
import { decryptSecret, encryptSecret, signingKeyContext } from './key-encryption.js';
import { type GeneratedKey, generateSigningKey, SIGNING_ALGORITHMS } from './key-material.js';
import { isPublished, keyStateAt } from './key-state.js';
import { SigningKey, type SigningAlgorithm } from './signing-key.entity.js';
import { SigningKeyRepository } from './signing-key.repository.js';

/** Extra time a retired key stays published beyond the longest ID token lifetime (clock skew, caches). */
const RETENTION_MARGIN_MS = 5 * 60_000;

export interface KeyForSigning {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly key: KeyObject;
}

interface CachedKeySet {
  readonly loadedAt: number;
  readonly keys: readonly SigningKey[];
}

/**
 * Tenants' signing keys (SPEC §5.7): created with the tenant, rotated in stages (published as
 * `next` before signing, retired keys kept until their tokens expire), encrypted at rest. Each
 * process keeps a short-lived copy of a tenant's key set (OPENTRUSTY_KEY_CACHE_SECONDS); keys
 * never change once written, so the copy can only lag behind a rotation, never disagree with it.
 */
@Injectable()
export class SigningKeyService {
  private readonly cache = new Map<string, CachedKeySet>();
  /** Decrypted private keys by tenant and kid, for the keys of the tenant's last loaded set. */
  private readonly imported = new Map<string, Map<string, KeyObject>>();

  constructor(
    private readonly em: EntityManager,
    private readonly keys: SigningKeyRepository,
    private readonly clock: Clock,
    private readonly audit: AuditWriter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KEY_ENCRYPTION_KEY) private readonly keyEncryptionKey: Buffer,
  ) {}

  /** Key material for a new tenant, generated before its transaction opens (RSA generation is slow). */
  generateInitialKeys(): Promise<GeneratedKey[]> {
    return Promise.all(SIGNING_ALGORITHMS.map((alg) => generateSigningKey(alg)));
  }

  /** Stores a new tenant's keys, active at once (nothing was signed for it before). */
  addInitialKeys(tenant: Tenant, generated: readonly GeneratedKey[]): SigningKey[] {
    const now = this.clock.now();
    return generated.map((material) => this.store(tenant, material, now));
  }

  /**
   * Stages a new key of each algorithm. By default it activates after the publication delay;
   * `immediately` activates it now (operators and tests), dropping any key staged before.
   */
  async rotate(tenant: Tenant, immediately: boolean, actor: AuditActor): Promise<SigningKey[]> {
    const generated = await Promise.all(SIGNING_ALGORITHMS.map((alg) => generateSigningKey(alg)));
    const now = this.clock.now();
    const activatesAt = immediately ? now : new Date(now.getTime() + this.config.signingKeys.publicationDelaySeconds * 1000);
    const staged = await this.em.transactional(async () => {
      await this.keys.lockKeysOf(tenant.id);
      const created: SigningKey[] = [];
      for (const material of generated) {
        if (immediately) await this.keys.deletePending(tenant.id, material.alg, now);
        const predecessor = await this.keys.latest(tenant.id, material.alg);
        if (predecessor) {
          predecessor.retiredAt = activatesAt;
          predecessor.expiresAt = new Date(activatesAt.getTime() + this.config.idTokenTtlSeconds * 1000 + RETENTION_MARGIN_MS);
        }
        created.push(this.store(tenant, material, activatesAt));
      }
      await this.em.flush();
      await this.audit.record({
        action: 'key.rotated',
        tenantId: tenant.id,
        actor,
        target: { type: 'tenant', id: tenant.id },
        metadata: { kids: created.map((key) => key.kid), activates_at: activatesAt.toISOString(), immediately },
      });
      return created;
    });
    this.cache.delete(tenant.id);
    return staged;
  }

  /** The tenant's live keys (next, active and retired-but-published), from the cache. */
  async liveKeys(tenantId: string): Promise<readonly SigningKey[]> {
    const cached = this.cache.get(tenantId);
    const now = this.clock.now().getTime();
    if (cached && now - cached.loadedAt < this.config.signingKeys.cacheSeconds * 1000) return cached.keys;
    const keys = await this.keys.listLive(tenantId, this.clock.now());
    this.cache.set(tenantId, { loadedAt: now, keys });
    this.forgetImportedExcept(tenantId, keys);
    return keys;
  }

  /** The JWK set to publish: every key that has not expired, including staged ones. */
  async jwks(tenantId: string): Promise<{ keys: JWK[] }> {
    const now = this.clock.now();
    return { keys: (await this.liveKeys(tenantId)).filter((key) => isPublished(key, now)).map((key) => key.publicJwk as JWK) };
  }

  /** The active key of the algorithm, ready to sign. */
  async signingKey(tenantId: string, alg: SigningAlgorithm): Promise<KeyForSigning> {
    const now = this.clock.now();
    const key = (await this.liveKeys(tenantId)).filter((candidate) => candidate.alg === alg && keyStateAt(candidate, now) === 'active').at(-1);
    if (!key) throw new Error(`tenant ${tenantId} has no active ${alg} key`);
    return { kid: key.kid, alg, key: this.privateKeyOf(tenantId, key) };
  }

  /** Proves the key-encryption key opens stored keys (readiness); true when there is none yet. */
  async canDecryptStoredKeys(): Promise<boolean> {
    const key = await this.keys.anyKey();
    if (!key) return true;
    try {
      this.decrypt(key.tenant.id, key);
      return true;
    } catch {
      return false;
    }
  }

  private privateKeyOf(tenantId: string, key: SigningKey): KeyObject {
    let ofTenant = this.imported.get(tenantId);
    if (!ofTenant) this.imported.set(tenantId, (ofTenant = new Map()));
    let imported = ofTenant.get(key.kid);
    if (!imported) {
      imported = createPrivateKey({ key: this.decrypt(tenantId, key) as never, format: 'jwk' });
      ofTenant.set(key.kid, imported);
    }
    return imported;
  }

  /** Drops imported private keys of the tenant that are no longer live (expired or deleted), so rotations do not pile them up. */
  private forgetImportedExcept(tenantId: string, live: readonly SigningKey[]): void {
    const ofTenant = this.imported.get(tenantId);
    if (!ofTenant) return;
    const liveKids = new Set(live.map((key) => key.kid));
    for (const kid of ofTenant.keys()) if (!liveKids.has(kid)) ofTenant.delete(kid);
    if (ofTenant.size === 0) this.imported.delete(tenantId);
  }

  private decrypt(tenantId: string, key: SigningKey): JWK {
    return JSON.parse(decryptSecret(this.keyEncryptionKey, key.privateJwkCiphertext, signingKeyContext(tenantId, key.kid))) as JWK;
  }

  private store(tenant: Tenant, material: GeneratedKey, activatesAt: Date): SigningKey {
    const key = new SigningKey();
    Object.assign(key, {
      tenant,
      kid: material.kid,
      alg: material.alg,
      publicJwk: material.publicJwk,
      privateJwkCiphertext: encryptSecret(this.keyEncryptionKey, JSON.stringify(material.privateJwk), signingKeyContext(tenant.id, material.kid)),
      createdAt: this.clock.now(),
      activatesAt,
    });
    this.keys.add(key);
    return key;
  }
}
