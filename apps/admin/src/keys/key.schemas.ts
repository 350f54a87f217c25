import { z } from 'zod';
import { timestampSchema } from '#platform/api/common.schemas.js';

export const signingKeySchema = z
  .object({
    kid: z.string(),
    alg: z.enum(['RS256', 'ES256']),
    state: z.enum(['next', 'active', 'retired']),
    created_at: timestampSchema,
    activates_at: timestampSchema,
    retired_at: timestampSchema.nullable(),
    expires_at: timestampSchema.nullable().meta({ description: 'When a retired key leaves the JWKS.' }),
  })
  .meta({ id: 'SigningKey' });

export const signingKeyListSchema = z.object({ items: z.array(signingKeySchema) });

export const rotateKeysBody = z.strictObject({
  now: z.boolean().optional().meta({ description: 'Activate the new keys at once instead of after the publication delay.' }),
});
