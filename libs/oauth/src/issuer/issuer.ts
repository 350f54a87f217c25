/** The tenant behind an issuer, as the protocol endpoints need it. */
export interface IssuerTenant {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly status: 'active' | 'suspended';
}

/** A tenant seen as an OpenID issuer: `{OPENTRUSTY_PUBLIC_URL}/t/{slug}` (SPEC §4). */
export interface Issuer {
  readonly tenant: IssuerTenant;
  /** The issuer identifier, exactly as it appears in `iss`. */
  readonly url: string;
}

export function issuerUrl(publicUrl: string, slug: string): string {
  return `${publicUrl}/t/${slug}`;
}
