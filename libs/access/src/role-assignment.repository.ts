import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { isRoleKey, type RoleKey } from './permission-catalogue.js';
import { RoleAssignment } from './role-assignment.entity.js';
import { uuidv7 } from '#platform/ids/uuidv7.js';

/**
 * The only code that reads or writes role assignments. Writes are immediate statements (not
 * deferred to the unit of work), so their order is the order of the calls: an ownership
 * transfer removes the old owner before adding the new one, as the one-owner index requires.
 * A user must therefore be flushed before it is given a role. Reads and writes go through the
 * EntityManager (`em.execute`), so inside a transaction they use its connection and see its changes.
 */
@Injectable()
export class RoleAssignmentRepository {
  constructor(private readonly em: EntityManager) {}

  /** Every role a user holds (platform roles and the roles in its own tenant). */
  async rolesOfUser(userId: string): Promise<RoleKey[]> {
    const rows = await this.em.execute<{ role_key: string }[]>('select role_key from role_assignments where user_id = ? order by role_key', [userId]);
    return rows.map((row) => row.role_key).filter(isRoleKey);
  }

  /** Roles for many users of one tenant at once (list pages), keyed by user id. */
  async rolesOfUsers(tenantId: string, userIds: readonly string[]): Promise<Map<string, RoleKey[]>> {
    const roles = new Map<string, RoleKey[]>(userIds.map((id) => [id, []]));
    if (userIds.length === 0) return roles;
    const rows = await this.em.execute<{ user_id: string; role_key: string }[]>(
        `select user_id, role_key from role_assignments where user_id in (${userIds.map(() => '?').join(', ')}) and (tenant_id = ? or tenant_id is null) order by role_key`,
        [...userIds, tenantId],
      );
    for (const row of rows) if (isRoleKey(row.role_key)) roles.get(row.user_id)?.push(row.role_key);
    return roles;
  }

  /** The owner's user id, or null (only between the statements of an ownership transfer). */
  async ownerOf(tenantId: string): Promise<string | null> {
    const [row] = await this.em.execute<{ user_id: string }[]>(`select user_id from role_assignments where tenant_id = ? and role_key = 'tenant_owner'`, [tenantId]);
    return row?.user_id ?? null;
  }

  /** Tenants in which some user holds a platform role (they must never be suspended or deleted). */
  async tenantHasPlatformAdmins(tenantId: string): Promise<boolean> {
    const [row] = await this.em.execute<{ present: boolean }[]>(
        `select exists (select 1 from role_assignments a join users u on u.id = a.user_id where a.role_key = 'platform_admin' and u.tenant_id = ?) as present`,
        [tenantId],
      );
    return row?.present ?? false;
  }

  async anyPlatformAdmin(): Promise<boolean> {
    const [row] = await this.em.execute<{ present: boolean }[]>(`select exists (select 1 from role_assignments where role_key = 'platform_admin') as present`);
    return row?.present ?? false;
  }

  async assign(role: RoleKey, subject: { userId: string; tenantId: string | null }): Promise<void> {
    await this.em.insert(RoleAssignment, {
      id: uuidv7(),
      role,
      tenant: subject.tenantId,
      user: subject.userId,
      createdAt: new Date(),
    });
  }

  async revoke(role: RoleKey, userId: string): Promise<void> {
    await this.em.nativeDelete(RoleAssignment, { user: userId, role });
  }

  /** The tenant roles an OAuth client holds as a service account (SPEC §6.1). */
  async rolesOfClient(tenantId: string, clientId: string): Promise<RoleKey[]> {
    const rows = await this.em.execute<{ role_key: string }[]>('select role_key from role_assignments where client_id = ? and tenant_id = ? order by role_key', [clientId, tenantId]);
    return rows.map((row) => row.role_key).filter(isRoleKey);
  }

  /** Roles for many clients of one tenant at once (list pages), keyed by client id. */
  async rolesOfClients(tenantId: string, clientIds: readonly string[]): Promise<Map<string, RoleKey[]>> {
    const roles = new Map<string, RoleKey[]>(clientIds.map((id) => [id, []]));
    if (clientIds.length === 0) return roles;
    const rows = await this.em.execute<{ client_id: string; role_key: string }[]>(
      `select client_id, role_key from role_assignments where client_id in (${clientIds.map(() => '?').join(', ')}) and tenant_id = ? order by role_key`,
      [...clientIds, tenantId],
    );
    for (const row of rows) if (isRoleKey(row.role_key)) roles.get(row.client_id)?.push(row.role_key);
    return roles;
  }

  /** A tenant role for a client; the client must already be flushed (the assignment references it). */
  async assignToClient(role: RoleKey, clientId: string, tenantId: string): Promise<void> {
    await this.em.insert(RoleAssignment, {
      id: uuidv7(),
      role,
      tenant: tenantId,
      client: clientId,
      createdAt: new Date(),
    });
  }

  async revokeFromClient(role: RoleKey, clientId: string, tenantId: string): Promise<void> {
    await this.em.nativeDelete(RoleAssignment, { client: clientId, role, tenant: tenantId });
  }
}
