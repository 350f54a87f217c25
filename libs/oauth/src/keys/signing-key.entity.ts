import { OptionalProps } from '@mikro-orm/core';
import { Check, Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { uuidv7 } from '#platform/ids/uuidv7.js';
import { Tenant } from '#tenancy/tenant.entity.js';

export type SigningAlgorithm = 'RS256' | 'ES256';

/**
 * One signing key of a tenant (SPEC §5.7). Its state is a function of time, so every replica
 * agrees on it without coordination: `next` until `activatesAt`, then `active` until a newer
 * key of the same algorithm activates (`retiredAt`), then `retired` and still published until
 * `expiresAt`, when every token it signed has expired. The private JWK is stored encrypted
 * (AES-256-GCM under the key-encryption key); `kid` is the RFC 7638 thumbprint.
 */
@Entity({ tableName: 'signing_keys' })
@Unique({ name: 'signing_keys_tenant_id_kid_unique', properties: ['tenant', 'kid'] })
@Index({ name: 'signing_keys_tenant_id_activates_at_index', properties: ['tenant', 'activatesAt'] })
@Check({ name: 'signing_keys_alg_check', expression: `alg in ('RS256', 'ES256')` })
export class SigningKey {
  [OptionalProps]?: 'createdAt' | 'retiredAt' | 'expiresAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => Tenant, { updateRule: 'no action', deleteRule: 'no action' })
  tenant!: Tenant;

  @Property({ type: 'string', length: 64 })
  kid!: string;

  @Property({ type: 'string', length: 8 })
  alg!: SigningAlgorithm;

  /** The public JWK as published in the JWKS. */
  @Property({ type: 'json' })
  publicJwk!: Record<string, unknown>;

  /** `v1.<iv>.<tag>.<ciphertext>` (base64url) of the private JWK. */
  @Property({ type: 'text' })
  privateJwkCiphertext!: string;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime' })
  activatesAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  retiredAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  expiresAt?: Date | null;
}
