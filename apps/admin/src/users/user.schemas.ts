import { z } from 'zod';
import { ASSIGNABLE_TENANT_ROLES, ROLES } from '#access/permission-catalogue.js';
import { pageQueryShape, pageSchema, timestampSchema, uuidSchema } from '#platform/api/common.schemas.js';

/** Request and response schemas of the users resource (SPEC §6.2), shared with /me and /auth. */

export const emailSchema = z.string().trim().toLowerCase().max(320).pipe(z.email({ message: 'expected an email address' }));

/** SPEC §3: 8 to 128 characters. */
export const passwordSchema = z.string().min(8, { message: 'expected at least 8 characters' }).max(128, { message: 'expected at most 128 characters' });

const text = (max: number) => z.string().trim().min(1).max(max).nullable().optional();

export const profileShape = {
  name: text(200),
  given_name: text(200),
  family_name: text(200),
  nickname: text(200),
  picture: z.url({ protocol: /^https$/, message: 'expected an https URL' }).max(2048).nullable().optional(),
  locale: z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/, { message: 'expected a BCP 47 language tag such as en-US' }).nullable().optional(),
  zoneinfo: z.string().regex(/^[A-Za-z]+(\/[A-Za-z0-9_+-]+){0,2}$/, { message: 'expected an IANA time zone such as Europe/Paris' }).max(64).nullable().optional(),
};

export const assignableRoleSchema = z.enum(ASSIGNABLE_TENANT_ROLES);
export const roleKeySchema = z.enum(Object.keys(ROLES) as [keyof typeof ROLES, ...(keyof typeof ROLES)[]]);

export const createUserBody = z.strictObject({
  email: emailSchema,
  password: passwordSchema.optional(),
  email_verified: z.boolean().optional(),
  ...profileShape,
  roles: z.array(assignableRoleSchema).max(ASSIGNABLE_TENANT_ROLES.length).optional().meta({ description: 'Default: ["tenant_member"].' }),
});

export const updateUserBody = z
  .strictObject({ email: emailSchema.optional(), email_verified: z.boolean().optional(), status: z.enum(['active', 'disabled']).optional(), ...profileShape })
  .refine((body) => Object.keys(body).length > 0, { message: 'expected at least one field to change' });

export const setPasswordBody = z.strictObject({ password: passwordSchema });

export const setRolesBody = z.strictObject({
  roles: z.array(z.enum([...ASSIGNABLE_TENANT_ROLES, 'tenant_owner'])).max(3).meta({ description: 'The tenant roles the user should hold. tenant_owner may only be listed for the current owner (ownership moves by transfer).' }),
});

export const listUsersQuery = z.strictObject({
  ...pageQueryShape,
  q: z.string().trim().min(1).max(320).optional().meta({ description: 'Case-insensitive prefix of the email or the name.' }),
  status: z.enum(['active', 'disabled']).optional(),
});

export const tenantParams = z.strictObject({ tenantId: uuidSchema });
export const userParams = z.strictObject({ tenantId: uuidSchema, userId: uuidSchema });

export const userSchema = z
  .object({
    id: uuidSchema,
    tenant_id: uuidSchema,
    email: z.string(),
    email_verified: z.boolean(),
    name: z.string().nullable(),
    given_name: z.string().nullable(),
    family_name: z.string().nullable(),
    nickname: z.string().nullable(),
    picture: z.string().nullable(),
    locale: z.string().nullable(),
    zoneinfo: z.string().nullable(),
    status: z.enum(['active', 'disabled']),
    locked_until: timestampSchema.nullable(),
    has_password: z.boolean(),
    roles: z.array(roleKeySchema),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'User' });

export const userPageSchema = pageSchema(userSchema);

export const sessionSchema = z
  .object({
    id: uuidSchema,
    plane: z.enum(['admin', 'auth']),
    created_at: timestampSchema,
    last_seen_at: timestampSchema,
    expires_at: timestampSchema,
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
  })
  .meta({ id: 'Session' });

export const sessionListSchema = z.object({ items: z.array(sessionSchema) });

export const rolesSchema = z.object({ roles: z.array(roleKeySchema) });
