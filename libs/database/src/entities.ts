import { Tenant } from '#tenancy/tenant.entity.js';

/** Every entity of the schema. The migrations and the schema-drift test are checked against this list. */
export const ALL_ENTITIES = [Tenant];
