/**
 * SPEC §5.1: a registered redirect URI is an absolute https URL without a fragment, or plain
 * http on a loopback host (localhost, 127.0.0.1, [::1]) with any port, for development and
 * native apps. Matching at the authorization endpoint is exact string equality (no normalisation).
 */
export function redirectUriProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.hash || value.includes('#')) return 'must not contain a fragment';
  if (url.username || url.password) return 'must not contain credentials';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) return undefined;
  return 'must use https (plain http only on localhost, 127.0.0.1 or [::1])';
}
