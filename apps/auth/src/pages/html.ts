import { randomBytes } from 'node:crypto';
import type { Response } from 'express';

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`=]/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** A safe-by-construction fragment: only `html` tagged templates and escaped values produce it. */
export class Html {
  constructor(readonly value: string) {}
}

export function html(strings: TemplateStringsArray, ...values: (string | number | Html | Html[] | undefined)[]): Html {
  let out = strings[0]!;
  values.forEach((value, index) => {
    if (value instanceof Html) out += value.value;
    else if (Array.isArray(value)) out += value.map((part) => part.value).join('');
    else if (value !== undefined) out += escapeHtml(String(value));
    out += strings[index + 1]!;
  });
  return new Html(out);
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1d2330;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}
main{background:#fff;border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.12);padding:2rem;width:100%;max-width:24rem}
h1{font-size:1.35rem;margin:0 0 .25rem}p.tenant{color:#5b6475;margin:0 0 1.5rem}
label{display:block;font-weight:600;margin:1rem 0 .35rem}
input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:.6rem;border:1px solid #b8bfcc;border-radius:4px;font-size:1rem}
button{margin-top:1.25rem;padding:.65rem 1.2rem;font-size:1rem;border-radius:4px;border:1px solid #1f5fd1;background:#1f5fd1;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#1f5fd1;margin-left:.5rem}
p.error{color:#a4161a;background:#fdecec;border-radius:4px;padding:.6rem}
ul.scopes{padding-left:1.2rem}`;

export interface PageOptions {
  readonly title: string;
  readonly tenantName?: string;
  readonly body: Html;
  readonly status?: number;
  /** Origins the page's forms may finally land on (the client's redirect URI after a form post). */
  readonly formTargets?: readonly string[];
}

export interface RenderedPage {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * A complete page: no script, no external asset, and a strict Content-Security-Policy whose only
 * allowance is the page's own inline style (by nonce) and its forms' destinations.
 */
export function renderPage(options: PageOptions): RenderedPage {
  const nonce = randomBytes(16).toString('base64');
  const formAction = ["'self'", ...(options.formTargets ?? [])].join(' ');
  return {
    headers: {
      'Content-Security-Policy': `default-src 'none'; style-src 'nonce-${nonce}'; img-src 'self' data:; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
      'X-Frame-Options': 'DENY',
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
    },
    body: `<!doctype html>\n${
      html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${options.title}</title><style nonce="${nonce}">${new Html(STYLE)}</style></head><body><main>${options.tenantName ? html`<p class="tenant">${options.tenantName}</p>` : new Html('')}${options.body}</main></body></html>`.value
    }`,
  };
}

export function sendPage(res: Response, options: PageOptions): void {
  const page = renderPage(options);
  res.status(options.status ?? 200).set(page.headers).type('html').send(page.body);
}

/** The origin of a URL, for form-action. */
export function originOf(url: string): string {
  return new URL(url).origin;
}
