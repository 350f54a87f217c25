import type { CookieOptions, Request, Response } from 'express';
import type { AppConfig } from '#platform/config/app-config.js';
import { readCookie } from '#platform/http/cookies.js';

/**
 * The console session cookie (SPEC §5.3): HttpOnly, SameSite=Strict, Path=/, and Secure with
 * the `__Host-` prefix (which browsers only accept from https, with no Domain) unless the admin
 * plane's public URL is plain-http localhost development.
 */
export class AdminCookie {
  readonly name: string;
  private readonly options: CookieOptions;

  constructor(config: AppConfig) {
    const secure = config.adminPublicUrl.startsWith('https://');
    this.name = secure ? '__Host-opentrusty_admin' : 'opentrusty_admin';
    this.options = { httpOnly: true, secure, sameSite: 'strict', path: '/', maxAge: config.session.absoluteTtlSeconds * 1000 };
  }

  read(req: Request): string | undefined {
    return readCookie(req.headers.cookie, this.name);
  }

  write(res: Response, token: string): void {
    res.cookie(this.name, token, this.options);
  }

  clear(res: Response): void {
    const { maxAge: _maxAge, ...options } = this.options;
    res.clearCookie(this.name, options);
  }
}
