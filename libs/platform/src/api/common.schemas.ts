import { z } from 'zod';
import { isUuid } from '../ids/uuidv7.js';

/** Schemas shared by every resource of the admin API. */

export const uuidSchema = z.string().refine(isUuid, { message: 'expected a UUID' }).meta({ format: 'uuid', example: '0193a0e8-5c4e-7b1a-9d2f-3c4b5a6d7e8f' });

export const timestampSchema = z.iso.datetime();

/** `?limit=` (1–200, default 50) and `?cursor=` (SPEC §6). */
export const pageQueryShape = {
  limit: z
    .string()
    .regex(/^\d{1,3}$/, { message: 'expected a whole number from 1 to 200' })
    .transform(Number)
    .pipe(z.number().int().min(1).max(200))
    .optional()
    .meta({ description: 'Page size, 1–200 (default 50).' }),
  cursor: z.string().max(128).optional().meta({ description: 'The next_cursor of the previous page.' }),
};

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next_cursor: z.string().nullable() });
}

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    errors: z.array(z.object({ location: z.enum(['body', 'query', 'path']), path: z.string(), message: z.string() })).optional().meta({ description: 'With validation_failed: one entry per problem (never the submitted values).' }),
    request_id: z.string().optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details with a stable `code`.' });
