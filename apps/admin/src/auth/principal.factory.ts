import { Injectable } from '@nestjs/common';
import { permissionsOf } from '#access/permission-catalogue.js';
import type { Principal } from '#access/principal.js';
import { RoleAssignmentRepository } from '#access/role-assignment.repository.js';
import type { User } from '#identity/user.entity.js';
import type { Tenant } from '#tenancy/tenant.entity.js';

/** Builds the principal of a signed-in user from its current roles (read on every request: no stale grants). */
@Injectable()
export class PrincipalFactory {
  constructor(private readonly roles: RoleAssignmentRepository) {}

  async forUser(user: User, tenant: Tenant, session?: { id: string; token: string }): Promise<Principal> {
    const roles = await this.roles.rolesOfUser(user.id);
    return {
      kind: 'user',
      id: user.id,
      tenantId: tenant.id,
      tenantSlug: tenant.slug,
      roles,
      permissions: permissionsOf(roles),
      authenticatedBy: 'session',
      ...(session ? { session } : {}),
    };
  }
}
