import type { z } from 'zod';
import type { RoleKey } from '#access/permission-catalogue.js';
import type { Session } from '#identity/session.entity.js';
import type { User } from '#identity/user.entity.js';
import type { sessionSchema, userSchema } from './user.schemas.js';

export type UserView = z.output<typeof userSchema>;
export type SessionView = z.output<typeof sessionSchema>;

/**
 * The API view of a user: never its password hash, failure count or anything secret.
 * `hasPassword` defaults to whether the credential is loaded on the entity.
 */
export function presentUser(user: User, roles: readonly RoleKey[], now: Date, hasPassword: boolean = Boolean(user.credential)): UserView {
  return {
    id: user.id,
    tenant_id: user.tenant.id,
    email: user.email,
    email_verified: user.emailVerified,
    name: user.name ?? null,
    given_name: user.givenName ?? null,
    family_name: user.familyName ?? null,
    nickname: user.nickname ?? null,
    picture: user.picture ?? null,
    locale: user.locale ?? null,
    zoneinfo: user.zoneinfo ?? null,
    status: user.status,
    locked_until: user.lockedUntil && user.lockedUntil.getTime() > now.getTime() ? user.lockedUntil.toISOString() : null,
    has_password: hasPassword,
    roles: [...roles],
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}

/** The API view of a session: never its token or the token's hash. */
export function presentSession(session: Session): SessionView {
  return {
    id: session.id,
    plane: session.plane,
    created_at: session.createdAt.toISOString(),
    last_seen_at: session.lastSeenAt.toISOString(),
    expires_at: session.expiresAt.toISOString(),
    ip: session.ip ?? null,
    user_agent: session.userAgent ?? null,
  };
}
