import type { z } from 'zod';
import type { Tenant } from '#tenancy/tenant.entity.js';
import type { tenantSchema } from './tenant.schemas.js';

export type TenantView = z.output<typeof tenantSchema>;

export function presentTenant(tenant: Tenant): TenantView {
  return {
    id: tenant.id,
    slug: tenant.slug,
    name: tenant.name,
    status: tenant.status,
    created_at: tenant.createdAt.toISOString(),
    updated_at: tenant.updatedAt.toISOString(),
  };
}
