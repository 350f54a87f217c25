import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';

/**
 * A refresh token (SPEC §5.4). Each use rotates it: the row is marked `rotatedAt` and a new one
 * joins the same family. Presenting a rotated token again revokes the whole family (reuse
 * detection). `expiresAt` is the family's end, fixed at the original grant.
 *
 * Client, user, session, `offline` and the end are the same on every row of a family, so the
 * `head_*` indexes on client, session and end hold only each family's first row (`familyHead`);
 * the statements that look tokens up by client or session, and the purge, find the families
 * there and act on all of their rows. Nothing reads tokens by user: a user's state is checked
 * live on every use. The full client, session and expiry indexes serve the previous release's
 * statements during a rolling upgrade (Migration20261129001500) and go in a later release; a
 * rotation then writes three index entries (id, hash, family) instead of seven.
 */
@Entity({ tableName: 'oauth_refresh_tokens' })
@Index({ name: 'oauth_refresh_tokens_family_id_index', properties: ['familyId'] })
@Index({ name: 'oauth_refresh_tokens_head_session_id_index', properties: ['sessionId'], where: 'family_head' })
@Index({ name: 'oauth_refresh_tokens_head_client_id_index', properties: ['clientId'], where: 'family_head' })
@Index({ name: 'oauth_refresh_tokens_head_expires_at_index', properties: ['expiresAt'], where: 'family_head' })
/** Read by the previous release only; to be dropped by a later migration. */
@Index({ name: 'oauth_refresh_tokens_session_id_index', properties: ['sessionId'] })
@Index({ name: 'oauth_refresh_tokens_client_id_index', properties: ['clientId'] })
@Index({ name: 'oauth_refresh_tokens_expires_at_index', properties: ['expiresAt'] })
export class RefreshToken {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'uuid' })
  tenantId!: string;

  @Property({ type: 'uuid' })
  clientId!: string;

  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'uuid' })
  familyId!: string;

  /** The family's first row (from the code), as opposed to one made by a rotation. */
  @Property({ type: 'boolean', default: true })
  familyHead!: boolean;

  @Property({ type: 'string', length: 64, collation: 'C' })
  @Unique({ name: 'oauth_refresh_tokens_token_hash_unique' })
  tokenHash!: string;

  @Property({ type: 'text' })
  scope!: string;

  /** Granted with offline_access: it survives the end of the session it came from. */
  @Property({ type: 'boolean' })
  offline!: boolean;

  @Property({ type: 'uuid', nullable: true })
  sessionId?: string | null;

  /** When the user authenticated, for ID tokens issued on refresh. */
  @Property({ type: 'datetime' })
  authTime!: Date;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  rotatedAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  revokedAt?: Date | null;
}
