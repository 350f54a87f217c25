import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';

/** Scopes a user granted to a client (SPEC §5.1), remembered so the consent page is not shown again for them. */
@Entity({ tableName: 'oauth_consents' })
@Unique({ name: 'oauth_consents_user_id_client_id_unique', properties: ['userId', 'clientId'] })
@Index({ name: 'oauth_consents_client_id_index', properties: ['clientId'] })
export class Consent {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'uuid' })
  tenantId!: string;

  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'uuid' })
  clientId!: string;

  @Property({ type: 'json' })
  scopes!: string[];

  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime' })
  updatedAt!: Date;
}
