/** What every page of an interaction (sign-in, consent) shows and posts back. */
export interface InteractionPageModel {
  readonly slug: string;
  readonly tenantName: string;
  readonly clientName: string;
  readonly handle: string;
  readonly csrfToken: string;
  readonly redirectUri: string;
}
