import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';

/**
 * An authorization code (SPEC §5.4): single use, bound to its client, redirect URI and PKCE
 * challenge, short-lived. Stored as a hash. Its id is the grant id of the tokens it yields.
 */
@Entity({ tableName: 'oauth_authorization_codes' })
@Index({ name: 'oauth_authorization_codes_expires_at_index', properties: ['expiresAt'] })
export class AuthorizationCode {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'uuid' })
  tenantId!: string;

  @Property({ type: 'uuid' })
  clientId!: string;

  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'uuid', nullable: true })
  sessionId?: string | null;

  @Property({ type: 'string', length: 64, collation: 'C' })
  @Unique({ name: 'oauth_authorization_codes_code_hash_unique' })
  codeHash!: string;

  @Property({ type: 'text' })
  redirectUri!: string;

  @Property({ type: 'text' })
  scope!: string;

  @Property({ type: 'text', nullable: true })
  nonce?: string | null;

  /** BASE64URL(SHA-256(code_verifier)) (RFC 7636, S256 only). */
  @Property({ type: 'string', length: 128 })
  codeChallenge!: string;

  @Property({ type: 'datetime' })
  authTime!: Date;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  consumedAt?: Date | null;
}
