/** SPEC §3: lower-case letters, digits and inner hyphens, 3 to 63 characters. */
export const TENANT_SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/** The same rule as a PostgreSQL regular expression, enforced by a CHECK constraint. */
export const TENANT_SLUG_PATTERN_SQL = '^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$';
