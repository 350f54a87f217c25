import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '#platform/config/app-config.js';
import { APP_CONFIG } from '#platform/config/config.tokens.js';
import { Clock } from '#platform/time/clock.js';
import { IssuerResolver } from '../issuer/issuer.resolver.js';
import { SigningKeyService } from '../keys/signing-key.service.js';
import { providerMetadata } from './provider-metadata.js';

/** SPEC §1: public documents may be cached for a few seconds; nothing else may. */
const CACHE_MS = 5_000;
const MAX_ENTRIES = 10_000;

interface Cached {
  readonly at: number;
  readonly body: Buffer | null;
}

/**
 * Discovery metadata and JWKS, serialized and encoded once and served from memory for a few seconds per
 * tenant: the busiest documents of an identity provider, read by every client and resource
 * server. A missing issuer is remembered for the same few seconds (`null`).
 */
@Injectable()
export class PublicDocuments {
  private readonly metadataCache = new Map<string, Cached>();
  private readonly jwksCache = new Map<string, Cached>();

  constructor(
    private readonly issuers: IssuerResolver,
    private readonly keys: SigningKeyService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The issuer's metadata as UTF-8 JSON, or null when there is no such issuer. */
  metadata(slug: string): Promise<Buffer | null> {
    return this.cached(this.metadataCache, slug, async () => {
      const issuer = await this.issuers.find(slug);
      return issuer ? Buffer.from(JSON.stringify(providerMetadata(issuer.url))) : null;
    });
  }

  jwks(slug: string): Promise<Buffer | null> {
    return this.cached(this.jwksCache, slug, async () => {
      const issuer = await this.issuers.find(slug);
      return issuer ? Buffer.from(JSON.stringify(await this.keys.jwks(issuer.tenant.id))) : null;
    });
  }

  /**
   * The cached metadata or JWKS of an issuer while it is fresh, without any I/O; undefined when
   * it must be loaded (or the issuer does not exist), which the regular route then does.
   */
  freshCopy(document: 'metadata' | 'jwks', slug: string): Buffer | undefined {
    const hit = (document === 'metadata' ? this.metadataCache : this.jwksCache).get(slug);
    if (!hit || hit.body === null || this.clock.now().getTime() - hit.at >= this.cacheMs()) return undefined;
    return hit.body;
  }

  private cacheMs(): number {
    return Math.min(CACHE_MS, this.config.signingKeys.cacheSeconds * 1000);
  }

  private async cached(cache: Map<string, Cached>, slug: string, load: () => Promise<Buffer | null>): Promise<Buffer | null> {
    const now = this.clock.now().getTime();
    const hit = cache.get(slug);
    if (hit && now - hit.at < this.cacheMs()) return hit.body;
    const body = await load();
    // Bounded: the oldest entry goes first (Map keeps insertion order; a refresh re-inserts), so
    // requests for random slugs cannot flush the documents of real issuers all at once.
    cache.delete(slug);
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(slug, { at: now, body });
    return body;
  }
}
