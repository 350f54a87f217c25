/**
 * Every audit action OpenTrusty records (SPEC §7), with what it means. docs/audit-events.md is
 * checked against this list by a test, so the catalogue cannot drift from the code.
 */
export const AUDIT_ACTIONS = {
  'platform.bootstrapped': 'The first platform administrator (and the operator tenant) was created by `opentrusty bootstrap`.',
  'auth.login.succeeded': 'A user signed in (admin console or an issuer’s sign-in page; `metadata.plane` says which).',
  'auth.login.failed': 'A sign-in failed (wrong password, unknown account, disabled or locked user, no admin access).',
  'auth.logout': 'A user signed out.',
  'user.locked': 'Consecutive failed sign-ins locked an account.',
  'user.unlocked': 'An administrator lifted a lock.',
  'session.ended': 'Sessions were ended by an administrator, a password change, a disabled user or tenant.',
  'access.denied': 'An authenticated caller was refused by the permission guard or the CSRF check.',
  'tenant.created': 'A tenant was created with its owner and signing keys.',
  'tenant.updated': 'A tenant was renamed.',
  'tenant.suspended': 'A tenant was suspended.',
  'tenant.reactivated': 'A suspended tenant was made active again.',
  'tenant.deleted': 'A tenant was deleted (soft delete).',
  'tenant.ownership_transferred': 'The owner handed the tenant to another user.',
  'user.created': 'A user was created.',
  'user.updated': 'A user’s email, profile or status changed (`metadata.fields` lists which).',
  'user.deleted': 'A user was deleted with its credential, roles and sessions.',
  'user.password_set': 'An administrator set a user’s password.',
  'user.password_changed': 'A user changed their own password.',
  'user.role_assigned': 'A role was granted to a user or a service account.',
  'user.role_revoked': 'A role was taken from a user or a service account.',
  'client.created': 'An OAuth client was registered.',
  'client.updated': 'An OAuth client’s settings changed (`metadata.fields`).',
  'client.deleted': 'An OAuth client was deleted and its tokens revoked.',
  'client.secret_rotated': 'A client got a new secret; the old one stopped working.',
  'key.rotated': 'New signing keys were staged (or activated at once).',
  'consent.granted': 'A user allowed a client the listed scopes.',
  'consent.denied': 'A user denied a client’s request.',
  'token.issued': 'Tokens were issued (`metadata.grant_type`: authorization_code or client_credentials).',
  'token.refreshed': 'A refresh token was rotated and new tokens issued.',
  'token.revoked': 'A client revoked a token (RFC 7009).',
  'token.reuse_detected': 'A used authorization code or refresh token was presented again; what it produced was revoked.',
  'audit.query_declared': 'A platform administrator declared a query of a tenant’s audit events.',
  'audit.read': 'Audit events were read through a declared query.',
} as const;

export type AuditAction = keyof typeof AUDIT_ACTIONS;
