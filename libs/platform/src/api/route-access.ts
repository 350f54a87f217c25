import { SetMetadata } from '@nestjs/common';

/**
 * Route access metadata, read by the admin plane's permission guard, which refuses any route
 * that declares neither (fail closed). `Permission` is a string here so the platform library
 * stays below the access library; `@Requires` in #access narrows it.
 */
export const PUBLIC_ROUTE = 'opentrusty:public-route';
export const REQUIRED_PERMISSION = 'opentrusty:required-permission';

export interface PermissionRequirement {
  /** Any one of these permissions grants access. */
  readonly anyOf: readonly string[];
  /** Name of the path parameter holding the tenant that tenant permissions must be held in. */
  readonly tenantParam: string;
}

/** Open to anyone (probes, sign-in, the OpenAPI document). */
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);
