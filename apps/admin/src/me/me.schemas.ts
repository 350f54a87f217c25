import { z } from 'zod';
import { passwordSchema, profileShape, roleKeySchema, userSchema } from '../users/user.schemas.js';
import { tenantSchema } from '../tenants/tenant.schemas.js';

export const selfSchema = z.object({ user: userSchema, tenant: tenantSchema, roles: z.array(roleKeySchema) }).meta({ id: 'Self' });

export const updateSelfBody = z.strictObject(profileShape).refine((body) => Object.keys(body).length > 0, { message: 'expected at least one field to change' });

export const changeOwnPasswordBody = z.strictObject({ current_password: z.string().min(1).max(1024), new_password: passwordSchema });
