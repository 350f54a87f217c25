/** The canonical form of an email address: trimmed and lower-cased (SPEC §3). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
