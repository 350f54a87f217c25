/**
 * A minimal browser without JavaScript for protocol tests: it keeps cookies (honouring Path),
 * does not follow redirects by itself, and reads the hidden fields of our server-rendered forms.
 * The end-to-end browser test uses real Chromium; this one makes the many protocol cases fast.
 */
interface StoredCookie {
  readonly name: string;
  readonly value: string;
  readonly path: string;
}

export interface AgentResponse {
  readonly status: number;
  readonly location: string | undefined;
  readonly body: string;
  readonly headers: Headers;
}

export class UserAgent {
  private cookies: StoredCookie[] = [];

  async get(url: string): Promise<AgentResponse> {
    return this.send(url, { method: 'GET' });
  }

  async postForm(url: string, fields: Record<string, string>): Promise<AgentResponse> {
    return this.send(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  }

  /** The same fields as a JSON body, as no browser form sends them. */
  async postJson(url: string, fields: Record<string, string>): Promise<AgentResponse> {
    return this.send(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fields) });
  }

  /** Follows redirects (to any origin) until a page or a redirect to `stopAt`'s origin+path. */
  async follow(start: AgentResponse, stopAt: string): Promise<{ response: AgentResponse; url: string }> {
    let response = start;
    let url = '';
    for (let hop = 0; hop < 10 && response.location; hop++) {
      url = response.location;
      if (url.startsWith(stopAt)) return { response, url };
      response = await this.get(url);
    }
    return { response, url };
  }

  cookie(name: string): string | undefined {
    return this.cookies.find((cookie) => cookie.name === name)?.value;
  }

  clearCookies(): void {
    this.cookies = [];
  }

  private async send(url: string, init: RequestInit): Promise<AgentResponse> {
    const target = new URL(url);
    const cookieHeader = this.cookies.filter((cookie) => target.pathname.startsWith(cookie.path)).map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), ...(cookieHeader ? { cookie: cookieHeader } : {}) } });
    for (const header of response.headers.getSetCookie()) this.store(header);
    const location = response.headers.get('location') ?? undefined;
    return { status: response.status, location: location ? new URL(location, url).toString() : undefined, body: await response.text(), headers: response.headers };
  }

  private store(header: string): void {
    const [pair, ...attributes] = header.split(';').map((part) => part.trim());
    const index = pair!.indexOf('=');
    const name = pair!.slice(0, index);
    const value = pair!.slice(index + 1);
    const path = attributes.find((attribute) => /^path=/i.test(attribute))?.slice(5) ?? '/';
    const expired = attributes.some((attribute) => /^expires=Thu, 01 Jan 1970/i.test(attribute)) || attributes.some((attribute) => /^max-age=0$/i.test(attribute));
    this.cookies = this.cookies.filter((cookie) => !(cookie.name === name && cookie.path === path));
    if (!expired && value !== '') this.cookies.push({ name, value, path });
  }
}

/** The value of a hidden input of a page, by name. */
export function hiddenField(page: string, name: string): string {
  const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(page);
  if (!match) throw new Error(`no hidden field ${name} in page: ${page.slice(0, 500)}`);
  return match[1]!.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}
