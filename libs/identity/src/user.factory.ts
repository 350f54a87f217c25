import type { Tenant } from '#tenancy/tenant.entity.js';
import { normalizeEmail } from './email.js';
import { User } from './user.entity.js';

export interface UserProfile {
  readonly name?: string | null | undefined;
  readonly given_name?: string | null | undefined;
  readonly family_name?: string | null | undefined;
  readonly nickname?: string | null | undefined;
  readonly picture?: string | null | undefined;
  readonly locale?: string | null | undefined;
  readonly zoneinfo?: string | null | undefined;
}

/** Applies the profile fields that are present (undefined leaves a field as it is, null clears it). */
export function applyProfile(user: User, profile: UserProfile): void {
  if (profile.name !== undefined) user.name = profile.name;
  if (profile.given_name !== undefined) user.givenName = profile.given_name;
  if (profile.family_name !== undefined) user.familyName = profile.family_name;
  if (profile.nickname !== undefined) user.nickname = profile.nickname;
  if (profile.picture !== undefined) user.picture = profile.picture;
  if (profile.locale !== undefined) user.locale = profile.locale;
  if (profile.zoneinfo !== undefined) user.zoneinfo = profile.zoneinfo;
}

export function newUser(tenant: Tenant, email: string, profile: UserProfile & { email_verified?: boolean | undefined }, now: Date): User {
  const user = new User();
  user.tenant = tenant;
  user.email = normalizeEmail(email);
  user.emailVerified = profile.email_verified ?? false;
  user.createdAt = now;
  user.updatedAt = now;
  applyProfile(user, profile);
  return user;
}
