import type { Tenant } from '#tenancy/tenant.entity.js';

/** A tenant seen as an OpenID issuer: `{OPENTRUSTY_PUBLIC_URL}/t/{slug}` (SPEC §4). */
export interface Issuer {
  readonly tenant: Tenant;
  /** The issuer identifier, exactly as it appears in `iss`. */
  readonly url: string;
}

export function issuerUrl(publicUrl: string, slug: string): string {
  return `${publicUrl}/t/${slug}`;
}
