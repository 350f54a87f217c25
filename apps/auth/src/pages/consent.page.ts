import type { Response } from 'express';
import { html, originOf, sendPage } from './html.js';
import type { InteractionPageModel } from './interaction-page.model.js';

const SCOPE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  openid: 'Know who you are',
  profile: 'See your name, nickname, picture, language and time zone',
  email: 'See your email address',
  offline_access: 'Stay connected when you are not using it',
};

export interface ConsentPageModel extends InteractionPageModel {
  readonly scopes: readonly string[];
}

/** The consent page (SPEC §5.1): the client's name, what it asks for, Allow and Deny. */
export function sendConsentPage(res: Response, model: ConsentPageModel): void {
  sendPage(res, {
    title: `Allow ${model.clientName}? – ${model.tenantName}`,
    tenantName: model.tenantName,
    formTargets: [originOf(model.redirectUri)],
    body: html`<h1>${model.clientName} wants to</h1>
<ul class="scopes">${model.scopes.map((scope) => html`<li>${SCOPE_DESCRIPTIONS[scope] ?? `Use the “${scope}” permission`}</li>`)}</ul>
<form method="post" action="/t/${model.slug}/consent">
<input type="hidden" name="interaction" value="${model.handle}">
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
<button type="submit" name="decision" value="allow">Allow</button><button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</form>`,
  });
}
