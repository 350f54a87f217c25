import { z } from 'zod';
import { roleKeySchema, userSchema } from '../users/user.schemas.js';
import { tenantSchema } from '../tenants/tenant.schemas.js';

export const loginBody = z.strictObject({
  tenant: z.string().min(1).max(63).meta({ description: 'The slug of the tenant the account belongs to.' }),
  email: z.string().min(1).max(320),
  password: z.string().min(1).max(1024),
});

export const consoleSessionSchema = z
  .object({
    user: userSchema,
    tenant: tenantSchema,
    roles: z.array(roleKeySchema),
    csrf_token: z.string().meta({ description: 'Send it as X-CSRF-Token on every POST, PUT, PATCH and DELETE made with the session cookie.' }),
  })
  .meta({ id: 'ConsoleSession' });
