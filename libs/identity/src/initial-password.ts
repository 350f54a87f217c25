import { randomBytes } from 'node:crypto';

/** A generated password shown once to whoever created the account: 144 random bits, base64url. */
export function generateInitialPassword(): string {
  return randomBytes(18).toString('base64url');
}
