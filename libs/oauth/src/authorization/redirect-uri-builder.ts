/**
 * Adds response parameters to the client's redirect URI, keeping any query it already has
 * (RFC 6749 §3.1.2: the query component must be retained).
 */
export function withQueryParameters(redirectUri: string, parameters: Readonly<Record<string, string | undefined>>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(parameters)) if (value !== undefined) url.searchParams.append(name, value);
  return url.toString();
}
