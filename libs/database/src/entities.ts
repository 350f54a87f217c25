import { PermissionRow, Role, RolePermission } from '#access/role.entity.js';
import { RoleAssignment } from '#access/role-assignment.entity.js';
import { PasswordCredential } from '#identity/password-credential.entity.js';
import { Session } from '#identity/session.entity.js';
import { User } from '#identity/user.entity.js';
import { SigningKey } from '#oauth/keys/signing-key.entity.js';
import { Tenant } from '#tenancy/tenant.entity.js';

/** Every entity of the schema. The migrations and the schema-drift test are checked against this list. */
export const ALL_ENTITIES = [Tenant, User, PasswordCredential, Session, Role, PermissionRow, RolePermission, RoleAssignment, SigningKey];
