import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '#platform/config/app-config.js';
import { APP_CONFIG } from '#platform/config/config.tokens.js';
import { TenantRepository } from '#tenancy/tenant.repository.js';
import { TENANT_SLUG_PATTERN } from '#tenancy/tenant-slug.js';
import { OAuthError } from '../oauth-error.js';
import { type Issuer, issuerUrl } from './issuer.js';

/**
 * Finds the tenant behind `/t/{slug}` (SPEC §4): an unknown or deleted tenant is 404, and a
 * suspended one is 403 everywhere except where `allowSuspended` (discovery and JWKS). Read from
 * the database on every request: suspension must take effect at once.
 */
@Injectable()
export class IssuerResolver {
  constructor(
    private readonly tenants: TenantRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async resolve(slug: string, options: { allowSuspended?: boolean } = {}): Promise<Issuer> {
    const issuer = await this.find(slug);
    if (!issuer) throw new OAuthError('not_found', 'No such issuer.');
    if (issuer.tenant.status !== 'active' && !options.allowSuspended) throw new OAuthError('tenant_suspended', 'This tenant is suspended.');
    return issuer;
  }

  /** The issuer, suspended or not, or null when the slug names no live tenant. */
  async find(slug: string): Promise<Issuer | null> {
    const tenant = TENANT_SLUG_PATTERN.test(slug) ? await this.tenants.findBySlug(slug) : null;
    return tenant ? { tenant, url: issuerUrl(this.config.publicUrl, tenant.slug) } : null;
  }
}
