import { z } from 'zod';
import { pageQueryShape, pageSchema, timestampSchema, uuidSchema } from '#platform/api/common.schemas.js';
import { TENANT_SLUG_PATTERN } from '#tenancy/tenant-slug.js';
import { emailSchema, passwordSchema, profileShape, userSchema } from '../users/user.schemas.js';

export const tenantSchema = z
  .object({
    id: uuidSchema,
    slug: z.string(),
    name: z.string(),
    status: z.enum(['active', 'suspended']),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'Tenant' });

export const tenantPageSchema = pageSchema(tenantSchema);

const tenantName = z.string().trim().min(1).max(200);

export const createTenantBody = z.strictObject({
  slug: z.string().regex(TENANT_SLUG_PATTERN, { message: 'expected 3–63 lower-case letters, digits and inner hyphens' }),
  name: tenantName,
  owner: z.strictObject({ email: emailSchema, password: passwordSchema.optional(), ...profileShape }),
});

export const createdTenantSchema = z.object({
  tenant: tenantSchema,
  owner: userSchema,
  owner_initial_password: z.string().optional().meta({ description: 'Generated when no owner password was given; shown only in this response.' }),
});

export const updateTenantBody = z
  .strictObject({ name: tenantName.optional(), status: z.enum(['active', 'suspended']).optional() })
  .refine((body) => Object.keys(body).length > 0, { message: 'expected at least one field to change' });

export const listTenantsQuery = z.strictObject({
  ...pageQueryShape,
  q: z.string().trim().min(1).max(200).optional().meta({ description: 'Case-insensitive prefix of the slug or the name.' }),
  status: z.enum(['active', 'suspended']).optional(),
});

export const transferOwnershipBody = z.strictObject({ user_id: uuidSchema });

export const ownershipSchema = z.object({ owner: userSchema, previous_owner: userSchema });
