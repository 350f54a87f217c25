import { randomBytes } from 'node:crypto';
import type { CookieOptions, Request, Response } from 'express';
import type { AppConfig } from '#platform/config/app-config.js';
import { readCookie } from '#platform/http/cookies.js';

/**
 * The auth plane's cookies, each scoped to one issuer's path (`/t/{slug}`) so a tenant's cookie
 * never reaches another tenant's endpoints (SPEC §5.3): the sign-in session (SameSite=Lax so the
 * redirect back from an application carries it) and the browser-binding secret that ties
 * interactions and forms to the browser that started them.
 */
export class AuthCookies {
  private readonly secure: boolean;
  readonly sessionName: string;
  readonly browserName: string;

  constructor(private readonly config: AppConfig) {
    this.secure = config.publicUrl.startsWith('https://');
    this.sessionName = this.secure ? '__Secure-opentrusty_session' : 'opentrusty_session';
    this.browserName = this.secure ? '__Secure-opentrusty_browser' : 'opentrusty_browser';
  }

  session(req: Request): string | undefined {
    return readCookie(req.headers.cookie, this.sessionName);
  }

  setSession(res: Response, slug: string, token: string): void {
    res.cookie(this.sessionName, token, this.options(slug, this.config.session.absoluteTtlSeconds));
  }

  clearSession(res: Response, slug: string): void {
    const { maxAge: _maxAge, ...options } = this.options(slug, 0);
    res.clearCookie(this.sessionName, options);
  }

  /** The browser's binding secret, created (and set) on first need. */
  browserSecret(req: Request, res: Response, slug: string): string {
    const existing = this.existingBrowserSecret(req);
    if (existing) return existing;
    const secret = randomBytes(32).toString('base64url');
    res.cookie(this.browserName, secret, this.options(slug, 86_400));
    return secret;
  }

  existingBrowserSecret(req: Request): string | undefined {
    const value = readCookie(req.headers.cookie, this.browserName);
    return value && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
  }

  private options(slug: string, maxAgeSeconds: number): CookieOptions {
    return { httpOnly: true, secure: this.secure, sameSite: 'lax', path: `/t/${slug}`, maxAge: maxAgeSeconds * 1000 };
  }
}
