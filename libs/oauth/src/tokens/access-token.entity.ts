import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';

/**
 * An issued access token (SPEC §5.4): opaque, 256 random bits, stored only as SHA-256. `grantId`
 * ties it to what it came from (authorization code or refresh-token family), so a code replay
 * or a family revocation can revoke it. No index on the user: nothing reads tokens by user, since
 * a user's state is checked live on every use. Plain columns (no ORM relations): the token paths read
 * and write these rows with single SQL statements.
 */
@Entity({ tableName: 'oauth_access_tokens' })
@Index({ name: 'oauth_access_tokens_grant_id_index', properties: ['grantId'], where: 'grant_id is not null' })
@Index({ name: 'oauth_access_tokens_client_id_index', properties: ['clientId'] })
@Index({ name: 'oauth_access_tokens_expires_at_index', properties: ['expiresAt'] })
export class AccessToken {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'uuid' })
  tenantId!: string;

  @Property({ type: 'uuid' })
  clientId!: string;

  @Property({ type: 'uuid', nullable: true })
  userId?: string | null;

  @Property({ type: 'string', length: 64, collation: 'C' })
  @Unique({ name: 'oauth_access_tokens_token_hash_unique' })
  tokenHash!: string;

  @Property({ type: 'text' })
  scope!: string;

  @Property({ type: 'uuid', nullable: true })
  grantId?: string | null;

  @Property({ type: 'uuid', nullable: true })
  sessionId?: string | null;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  revokedAt?: Date | null;
}
