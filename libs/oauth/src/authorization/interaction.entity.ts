import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';

/** The validated authorization request an interaction carries through sign-in and consent. */
export interface AuthorizationRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly state?: string;
  readonly nonce?: string;
  readonly codeChallenge: string;
  readonly prompt: readonly ('none' | 'login' | 'consent')[];
  readonly maxAge?: number;
  readonly loginHint?: string;
}

/**
 * An authorization request waiting for the user (sign-in, consent). The browser only ever
 * carries its opaque id, never a return URL, so nothing can redirect elsewhere (SPEC §5.1).
 */
@Entity({ tableName: 'oauth_interactions' })
@Index({ name: 'oauth_interactions_expires_at_index', properties: ['expiresAt'] })
export class Interaction {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  /** Hex SHA-256 of the opaque interaction id the browser holds. */
  @Property({ type: 'string', length: 64, collation: 'C' })
  @Unique({ name: 'oauth_interactions_handle_hash_unique' })
  handleHash!: string;

  @Property({ type: 'uuid' })
  tenantId!: string;

  /**
   * Hex SHA-256 of the browser-binding secret: set as an HttpOnly cookie when the interaction
   * starts and echoed in each form as its CSRF token, so only the browser that began the
   * interaction can sign in or consent through it (no login CSRF).
   */
  @Property({ type: 'string', length: 64 })
  bindingHash!: string;

  @Property({ type: 'json' })
  request!: AuthorizationRequest;

  /** Set once the user has signed in during this interaction. */
  @Property({ type: 'uuid', nullable: true })
  userId?: string | null;

  @Property({ type: 'uuid', nullable: true })
  sessionId?: string | null;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime' })
  expiresAt!: Date;
}
