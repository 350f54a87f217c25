import { PrimaryKeyProp } from '@mikro-orm/core';
import { Check, Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/** Mirror of the role catalogue (permission-catalogue.ts), seeded by migrations. */
@Entity({ tableName: 'roles' })
@Check({ name: 'roles_scope_check', expression: `scope in ('platform', 'tenant')` })
export class Role {
  [PrimaryKeyProp]?: 'key';

  @PrimaryKey({ type: 'string', length: 64 })
  key!: string;

  @Property({ type: 'string', length: 16 })
  scope!: 'platform' | 'tenant';

  @Property({ type: 'string', length: 200 })
  description!: string;
}

/** Mirror of the permission catalogue, seeded by migrations. */
@Entity({ tableName: 'permissions' })
export class PermissionRow {
  [PrimaryKeyProp]?: 'key';

  @PrimaryKey({ type: 'string', length: 64 })
  key!: string;

  @Property({ type: 'string', length: 200 })
  description!: string;
}

/** Which permissions each role grants, seeded by migrations. */
@Entity({ tableName: 'role_permissions' })
export class RolePermission {
  @ManyToOne(() => Role, { primary: true, fieldName: 'role_key', deleteRule: 'cascade', updateRule: 'no action' })
  role!: Role;

  @ManyToOne(() => PermissionRow, { primary: true, fieldName: 'permission_key', deleteRule: 'cascade', updateRule: 'no action' })
  permission!: PermissionRow;
}
