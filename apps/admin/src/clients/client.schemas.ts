import { z } from 'zod';
import { ASSIGNABLE_TENANT_ROLES } from '#access/permission-catalogue.js';
import { pageQueryShape, pageSchema, timestampSchema, uuidSchema } from '#platform/api/common.schemas.js';
import {
  CLIENT_DEFAULTS,
  CLIENT_LIMITS,
  CLIENT_TYPES,
  GRANT_TYPES,
  ID_TOKEN_SIGNING_ALGS,
  registeredUriProblem,
  SCOPE_TOKEN_PATTERN,
  STANDARD_SCOPES,
  TOKEN_ENDPOINT_AUTH_METHODS,
} from '#oauth/clients/client-registration.js';
import { roleKeySchema } from '../users/user.schemas.js';

/**
 * Request and response schemas of the OAuth clients resource (SPEC §6.2). Each field is checked
 * here on its own; the rules across fields (grant types against the client type, redirect URIs
 * and roles) are checked by the service on the client as a whole (`invalid_client_metadata`).
 */

const noDuplicates = <T>(list: readonly T[]) => new Set(list).size === list.length;
const NO_DUPLICATES = { message: 'expected no duplicates' };

const registeredUri = z
  .string()
  .max(CLIENT_LIMITS.uriLength)
  .superRefine((uri, ctx) => {
    if (uri.length > CLIENT_LIMITS.uriLength) return; // already reported by max()
    const problem = registeredUriProblem(uri);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const uriList = (description: string) =>
  z.array(registeredUri).max(CLIENT_LIMITS.uris).refine(noDuplicates, NO_DUPLICATES).meta({ description });

const REDIRECT_URIS = 'Exact redirect URIs (https, or http on localhost, 127.0.0.1 or [::1]; no fragment, no wildcard), at most 20.';
const POST_LOGOUT_URIS = 'Where RP-initiated logout may return to; same rules as redirect_uris.';

const clientName = z.string().trim().min(1).max(CLIENT_LIMITS.nameLength);

const grantTypes = z
  .array(z.enum(GRANT_TYPES))
  .min(1)
  .max(GRANT_TYPES.length)
  .refine(noDuplicates, NO_DUPLICATES)
  .meta({ description: 'refresh_token needs authorization_code; authorization_code needs a redirect URI; client_credentials is for confidential clients.' });

const scopeToken = z
  .string()
  .min(1)
  .max(CLIENT_LIMITS.scopeLength)
  .regex(SCOPE_TOKEN_PATTERN, { message: 'expected a scope token (printable ASCII without spaces, " or \\)' });

const scopes = z
  .array(scopeToken)
  .min(1)
  .max(CLIENT_LIMITS.scopes)
  .refine(noDuplicates, NO_DUPLICATES)
  .meta({ description: `The scopes the client may request: ${STANDARD_SCOPES.join(', ')}, and its own API scopes.` });

const accessTokenTtl = z
  .number()
  .int()
  .min(CLIENT_LIMITS.accessTokenTtlSeconds.min)
  .max(CLIENT_LIMITS.accessTokenTtlSeconds.max)
  .meta({ description: `Access-token lifetime in seconds (default ${CLIENT_DEFAULTS.accessTokenTtlSeconds}).` });

const refreshTokenTtl = z
  .number()
  .int()
  .min(CLIENT_LIMITS.refreshTokenTtlSeconds.min)
  .max(CLIENT_LIMITS.refreshTokenTtlSeconds.max)
  .meta({ description: `Lifetime of a refresh-token family in seconds, from the original grant (default ${CLIENT_DEFAULTS.refreshTokenTtlSeconds}, 30 days).` });

const idTokenAlg = z.enum(ID_TOKEN_SIGNING_ALGS).meta({ description: `Default ${CLIENT_DEFAULTS.idTokenSignedResponseAlg}.` });

const serviceAccountRoles = z
  .array(z.enum(ASSIGNABLE_TENANT_ROLES))
  .max(ASSIGNABLE_TENANT_ROLES.length)
  .refine(noDuplicates, NO_DUPLICATES)
  .meta({ description: 'Tenant roles the client holds as a service account (SPEC §6.1); only with the client_credentials grant.' });

const clientStatus = z.enum(['active', 'disabled']);

export const createClientBody = z.strictObject({
  name: clientName,
  type: z.enum(CLIENT_TYPES),
  redirect_uris: uriList(REDIRECT_URIS),
  post_logout_redirect_uris: uriList(POST_LOGOUT_URIS).optional(),
  grant_types: grantTypes,
  scopes,
  token_endpoint_auth_method: z
    .enum(TOKEN_ENDPOINT_AUTH_METHODS)
    .optional()
    .meta({ description: 'Default: client_secret_basic for confidential clients, none (the only choice) for public ones.' }),
  first_party: z.boolean().optional().meta({ description: 'First-party clients skip the consent page (default false).' }),
  access_token_ttl: accessTokenTtl.optional(),
  refresh_token_ttl: refreshTokenTtl.optional(),
  id_token_signed_response_alg: idTokenAlg.optional(),
  roles: serviceAccountRoles.optional(),
});

export const updateClientBody = z
  .strictObject({
    name: clientName.optional(),
    redirect_uris: uriList(REDIRECT_URIS).optional(),
    post_logout_redirect_uris: uriList(POST_LOGOUT_URIS).optional(),
    grant_types: grantTypes.optional(),
    scopes: scopes.optional(),
    token_endpoint_auth_method: z
      .enum(TOKEN_ENDPOINT_AUTH_METHODS)
      .optional()
      .meta({ description: 'Only a switch between client_secret_basic and client_secret_post; the type never changes.' }),
    first_party: z.boolean().optional(),
    access_token_ttl: accessTokenTtl.optional(),
    refresh_token_ttl: refreshTokenTtl.optional(),
    id_token_signed_response_alg: idTokenAlg.optional(),
    status: clientStatus.optional().meta({ description: 'Disabling a client revokes its access and refresh tokens.' }),
    roles: serviceAccountRoles.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'expected at least one field to change' });

export const listClientsQuery = z.strictObject({
  ...pageQueryShape,
  status: clientStatus.optional(),
});

export const clientParams = z.strictObject({ tenantId: uuidSchema, clientId: uuidSchema });

export const clientSchema = z
  .object({
    client_id: uuidSchema,
    tenant_id: uuidSchema,
    name: z.string(),
    type: z.enum(CLIENT_TYPES),
    token_endpoint_auth_method: z.enum(TOKEN_ENDPOINT_AUTH_METHODS),
    redirect_uris: z.array(z.string()),
    post_logout_redirect_uris: z.array(z.string()),
    grant_types: z.array(z.enum(GRANT_TYPES)),
    scopes: z.array(z.string()),
    first_party: z.boolean(),
    access_token_ttl: z.number().int(),
    refresh_token_ttl: z.number().int(),
    id_token_signed_response_alg: z.enum(ID_TOKEN_SIGNING_ALGS),
    status: clientStatus,
    roles: z.array(roleKeySchema),
    secret_rotated_at: timestampSchema.nullable().meta({ description: 'When the secret was last replaced; null while the secret from the creation is in use.' }),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'OAuthClient' });

export const clientPageSchema = pageSchema(clientSchema);

export const createdClientSchema = z.object({
  client: clientSchema,
  client_secret: z.string().optional().meta({ description: 'Confidential clients only: 256 random bits, base64url. Shown only in this response; only its hash is stored.' }),
});

export const clientSecretSchema = z.object({
  client_id: uuidSchema,
  client_secret: z.string().meta({ description: 'The new secret, shown only here; the previous one no longer works.' }),
});
