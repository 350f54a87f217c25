import type { Response } from 'express';
import { html, originOf, sendPage } from './html.js';
import type { InteractionPageModel } from './interaction-page.model.js';

export interface LoginPageModel extends InteractionPageModel {
  readonly email?: string;
  readonly error?: string;
  readonly status?: number;
  /** Set when sign-in attempts are rate limited: sent as Retry-After. */
  readonly retryAfterSeconds?: number;
}

/** The sign-in page (SPEC §5.2): Email, Password, Sign in; works without JavaScript. */
export function sendLoginPage(res: Response, model: LoginPageModel): void {
  if (model.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(model.retryAfterSeconds));
  sendPage(res, {
    title: `Sign in – ${model.tenantName}`,
    tenantName: model.tenantName,
    status: model.status,
    formTargets: [originOf(model.redirectUri)],
    body: html`<h1>Sign in</h1>
<p>to continue to ${model.clientName}</p>
${model.error ? html`<p class="error" role="alert">${model.error}</p>` : undefined}
<form method="post" action="/t/${model.slug}/login">
<input type="hidden" name="interaction" value="${model.handle}">
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${model.email ?? ''}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`,
  });
}
