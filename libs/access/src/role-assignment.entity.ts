import { OptionalProps } from '@mikro-orm/core';
import { Check, Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { User } from '#identity/user.entity.js';
import { uuidv7 } from '#platform/ids/uuidv7.js';
import { Tenant } from '#tenancy/tenant.entity.js';
import { OAuthClient } from '#oauth/clients/oauth-client.entity.js';
import { Role } from './role.entity.js';

/**
 * A role held by a user (or, for service accounts, an OAuth client): platform roles have no
 * tenant, tenant roles always do. The database guarantees at most one owner per tenant.
 */
@Entity({ tableName: 'role_assignments' })
@Unique({ name: 'role_assignments_user_id_role_key_unique', properties: ['user', 'role'] })
@Unique({ name: 'role_assignments_client_id_role_key_unique', properties: ['client', 'role'] })
@Index({ name: 'role_assignments_one_owner_per_tenant', expression: `create unique index "role_assignments_one_owner_per_tenant" on "role_assignments" ("tenant_id") where "role_key" = 'tenant_owner'` })
@Index({ name: 'role_assignments_role_key_index', properties: ['role'] })
@Check({ name: 'role_assignments_subject_check', expression: '(user_id is null) <> (client_id is null)' })
@Check({ name: 'role_assignments_scope_check', expression: `(tenant_id is null) = (role_key = 'platform_admin')` })
export class RoleAssignment {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => Role, { fieldName: 'role_key', updateRule: 'no action', deleteRule: 'no action' })
  role!: Role;

  @ManyToOne(() => Tenant, { nullable: true, updateRule: 'no action', deleteRule: 'no action' })
  tenant?: Tenant | null;

  @ManyToOne(() => User, { nullable: true, deleteRule: 'cascade', updateRule: 'no action' })
  user?: User | null;

  /** The OAuth client holding the role (service accounts). */
  @ManyToOne(() => OAuthClient, { nullable: true, fieldName: 'client_id', deleteRule: 'cascade', updateRule: 'no action' })
  client?: OAuthClient | null;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();
}
