import type { Response } from 'express';
import { html, sendPage } from './html.js';

/** A plain page with a heading and a sentence: errors that must not redirect, "signed out". */
export function sendMessagePage(res: Response, status: number, title: string, message: string, tenantName?: string): void {
  sendPage(res, { title, status, ...(tenantName ? { tenantName } : {}), body: html`<h1>${title}</h1><p>${message}</p>` });
}

export interface LogoutConfirmationModel {
  readonly slug: string;
  readonly tenantName: string;
  readonly csrfToken: string;
  readonly hidden: Readonly<Record<string, string | undefined>>;
  /** Where the form may land after the sign-out (a registered post-logout redirect URI's origin). */
  readonly formTargets: readonly string[];
}

/** Asked when a logout request does not prove it comes from the user's own application (no id_token_hint). */
export function sendLogoutConfirmation(res: Response, model: LogoutConfirmationModel): void {
  const fields = Object.entries(model.hidden).filter((entry): entry is [string, string] => entry[1] !== undefined);
  sendPage(res, {
    title: `Sign out – ${model.tenantName}`,
    tenantName: model.tenantName,
    formTargets: model.formTargets,
    body: html`<h1>Sign out?</h1>
<form method="post" action="/t/${model.slug}/logout">
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
${fields.map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<button type="submit">Sign out</button>
</form>`,
  });
}
