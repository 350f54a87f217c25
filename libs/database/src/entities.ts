import { PermissionRow, Role, RolePermission } from '#access/role.entity.js';
import { AuditEvent } from '#audit/audit-event.entity.js';
import { AuditQuery } from '#audit/audit-query.entity.js';
import { RoleAssignment } from '#access/role-assignment.entity.js';
import { PasswordCredential } from '#identity/password-credential.entity.js';
import { Session } from '#identity/session.entity.js';
import { User } from '#identity/user.entity.js';
import { AuthorizationCode } from '#oauth/authorization/authorization-code.entity.js';
import { Interaction } from '#oauth/authorization/interaction.entity.js';
import { OAuthClient } from '#oauth/clients/oauth-client.entity.js';
import { Consent } from '#oauth/consent/consent.entity.js';
import { AccessToken } from '#oauth/tokens/access-token.entity.js';
import { RefreshToken } from '#oauth/tokens/refresh-token.entity.js';
import { SigningKey } from '#oauth/keys/signing-key.entity.js';
import { Tenant } from '#tenancy/tenant.entity.js';
import { RateLimitBucket } from './rate-limit/rate-limit-bucket.entity.js';

/** Every entity of the schema. The migrations and the schema-drift test are checked against this list. */
export const ALL_ENTITIES = [
  Tenant, User, PasswordCredential, Session, Role, PermissionRow, RolePermission, RoleAssignment, SigningKey, OAuthClient,
  AccessToken, RefreshToken, AuthorizationCode, Interaction, Consent,
  AuditEvent, AuditQuery, RateLimitBucket,
];
