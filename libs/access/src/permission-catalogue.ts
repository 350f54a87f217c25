/**
 * Every permission and every role of OpenTrusty (SPEC §3). Access checks are by permission, never
 * by role name; roles are only bundles of permissions. The `roles`, `permissions` and
 * `role_permissions` tables mirror this catalogue for auditing tools, and a test keeps them equal.
 */
export const PERMISSIONS = {
  'admin.login': 'Sign in to the admin plane',
  'self.manage': 'Read and change one’s own profile and password',
  'platform.tenants.manage': 'Create, list, read, suspend and delete tenants',
  'platform.audit.read': 'Read the platform’s audit events; read a tenant’s only through a declared query',
  'tenant.read': 'Read the tenant',
  'tenant.settings.manage': 'Change the tenant’s settings',
  'tenant.delete': 'Delete the tenant',
  'tenant.ownership.transfer': 'Transfer the tenant’s ownership',
  'tenant.users.read': 'Read the tenant’s users, their roles and sessions',
  'tenant.users.manage': 'Create, change and delete the tenant’s users, their roles, passwords and sessions',
  'tenant.clients.manage': 'Manage the tenant’s OAuth clients',
  'tenant.keys.manage': 'Manage the tenant’s signing keys',
  'tenant.audit.read': 'Read the tenant’s audit events',
} as const;

export type Permission = keyof typeof PERMISSIONS;

export type RoleScope = 'platform' | 'tenant';

export interface RoleDefinition {
  readonly scope: RoleScope;
  readonly description: string;
  readonly permissions: readonly Permission[];
}

const TENANT_ADMINISTRATION: readonly Permission[] = [
  'admin.login',
  'self.manage',
  'tenant.read',
  'tenant.users.read',
  'tenant.users.manage',
  'tenant.clients.manage',
  'tenant.keys.manage',
  'tenant.audit.read',
];

export const ROLES = {
  platform_admin: {
    scope: 'platform',
    description: 'Administers tenants (not the data inside them)',
    permissions: ['admin.login', 'self.manage', 'platform.tenants.manage', 'platform.audit.read'],
  },
  tenant_owner: {
    scope: 'tenant',
    description: 'Owns the tenant: everything a tenant admin does, plus settings, deletion and ownership transfer',
    permissions: [...TENANT_ADMINISTRATION, 'tenant.settings.manage', 'tenant.delete', 'tenant.ownership.transfer'],
  },
  tenant_admin: {
    scope: 'tenant',
    description: 'Administers the tenant’s users, roles, clients and keys, never the owner',
    permissions: TENANT_ADMINISTRATION,
  },
  tenant_member: {
    scope: 'tenant',
    description: 'An ordinary user of the tenant’s applications; no admin-plane access',
    permissions: ['self.manage'],
  },
} as const satisfies Record<string, RoleDefinition>;

export type RoleKey = keyof typeof ROLES;
export type TenantRoleKey = { [K in RoleKey]: (typeof ROLES)[K]['scope'] extends 'tenant' ? K : never }[RoleKey];

/** Tenant roles an administrator may grant directly; ownership moves only by transfer. */
export const ASSIGNABLE_TENANT_ROLES = ['tenant_admin', 'tenant_member'] as const satisfies readonly TenantRoleKey[];
export type AssignableTenantRole = (typeof ASSIGNABLE_TENANT_ROLES)[number];

export function isRoleKey(value: string): value is RoleKey {
  return Object.hasOwn(ROLES, value);
}

export function permissionsOf(roles: Iterable<RoleKey>): Set<Permission> {
  const granted = new Set<Permission>();
  for (const role of roles) for (const permission of ROLES[role].permissions) granted.add(permission);
  return granted;
}
