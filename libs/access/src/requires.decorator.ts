import { SetMetadata } from '@nestjs/common';
import { type PermissionRequirement, REQUIRED_PERMISSION } from '#platform/api/route-access.js';
import type { Permission } from './permission-catalogue.js';

/**
 * The permission a route needs; with several, any one of them suffices. Tenant permissions
 * (`tenant.*`) are checked against the tenant in the `tenantId` path parameter, and are only
 * ever granted in the caller's own tenant; the others apply wherever the caller is.
 */
export function Requires(...anyOf: [Permission, ...Permission[]]) {
  const requirement: PermissionRequirement = { anyOf, tenantParam: 'tenantId' };
  return SetMetadata(REQUIRED_PERMISSION, requirement);
}
