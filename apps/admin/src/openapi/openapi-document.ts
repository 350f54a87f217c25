import type { ModulesContainer } from '@nestjs/core';
import { buildOpenApiDocument } from '#platform/api/openapi.js';

export const ADMIN_API_INFO = {
  title: 'OpenTrusty admin API',
  version: 'v1',
  description:
    'Tenants, users, roles, sessions and (as they arrive) OAuth clients, signing keys and audit events. ' +
    'Authenticate with the console session cookie from POST /api/v1/auth/login (plus X-CSRF-Token on unsafe methods) ' +
    'or with a Bearer access token of a service account. Errors are RFC 9457 problem details with a stable `code`.',
};

export function adminOpenApiDocument(modules: ModulesContainer): Record<string, unknown> {
  return buildOpenApiDocument(modules, ADMIN_API_INFO);
}
