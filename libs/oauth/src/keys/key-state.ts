import type { SigningKey } from './signing-key.entity.js';

export type KeyState = 'next' | 'active' | 'retired';

/** The state of a key at `now`, from its timestamps alone (no job has to run for it to change). */
export function keyStateAt(key: Pick<SigningKey, 'activatesAt' | 'retiredAt'>, now: Date): KeyState {
  if (key.activatesAt.getTime() > now.getTime()) return 'next';
  if (key.retiredAt && key.retiredAt.getTime() <= now.getTime()) return 'retired';
  return 'active';
}

/** Whether the key belongs in the JWKS at `now`: every key until it has expired. */
export function isPublished(key: Pick<SigningKey, 'expiresAt'>, now: Date): boolean {
  return !key.expiresAt || key.expiresAt.getTime() > now.getTime();
}
