import type { Request } from 'express';
import type { Permission, RoleKey } from './permission-catalogue.js';

/** Who is calling the admin plane, as established by an authentication strategy. */
export interface Principal {
  readonly kind: 'user' | 'client';
  /** The user id, or the client id of a service account. */
  readonly id: string;
  /** The tenant the caller belongs to; tenant permissions only ever apply there. */
  readonly tenantId: string;
  readonly tenantSlug: string;
  readonly roles: readonly RoleKey[];
  readonly permissions: ReadonlySet<Permission>;
  readonly authenticatedBy: 'session' | 'bearer';
  /** Session-authenticated callers only: the session, and the secret its CSRF token derives from. */
  readonly session?: { readonly id: string; readonly token: string };
}

export type RequestWithPrincipal = Request & { principal?: Principal };

/**
 * Whether the principal holds `permission`. A tenant permission (`tenant.*`) holds only in the
 * principal's own tenant, so `tenantId` must be given for it and equal the principal's.
 */
export function holds(principal: Principal, permission: Permission, tenantId?: string): boolean {
  if (!principal.permissions.has(permission)) return false;
  if (!permission.startsWith('tenant.')) return true;
  return tenantId !== undefined && tenantId === principal.tenantId;
}

/** The audit actor of a principal. */
export function actorOf(principal: Principal): { type: 'user' | 'client'; id: string } {
  return { type: principal.kind, id: principal.id };
}
