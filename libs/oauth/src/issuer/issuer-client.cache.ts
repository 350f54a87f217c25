import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '#platform/config/app-config.js';
import { APP_CONFIG } from '#platform/config/config.tokens.js';
import { Clock } from '#platform/time/clock.js';
import { IssuerClientRepository, type IssuerAndClient } from './issuer-client.repository.js';

const MAX_ENTRIES = 10_000;

interface Entry {
  readonly value: IssuerAndClient;
  readonly until: number;
}

/**
 * An issuer's tenant and its clients as last read, kept in memory: the token and introspection
 * endpoints need them on every request, and they change only through the admin plane.
 *
 * A copy is only ever a first guess. A request judged on it is acted upon by a statement that
 * also checks that the client and tenant rows are still the versions the copy was read at
 * (client-versions.ts); when they are not, nothing is done and the request is judged again on a
 * fresh read, which replaces the copy. A refusal judged on a copy is never answered either: the
 * client is read again first (ClientAuthenticator). So no security decision rests on a stale
 * copy (SPEC §1), and a change costs each replica one extra read of that client, not a
 * notification channel. Only found clients are kept, so made-up client ids cannot crowd out real
 * ones; OPENTRUSTY_CLIENT_CACHE_SECONDS bounds how long a copy lives (0: nothing is kept).
 */
@Injectable()
export class IssuerClientCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly repository: IssuerClientRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The copy kept of this issuer and client, if there is one young enough. */
  remembered(slug: string, clientId: string): IssuerAndClient | undefined {
    const hit = this.entries.get(entryKey(slug, clientId));
    return hit && hit.until > this.clock.now().getTime() ? hit.value : undefined;
  }

  /** Reads the issuer and client from the database, and keeps the client's copy when there is one. */
  async read(slug: string, clientId: string | undefined): Promise<IssuerAndClient | null> {
    const found = await this.repository.find(slug, clientId);
    if (clientId === undefined || this.config.clientCacheSeconds === 0) return found;
    const key = entryKey(slug, clientId);
    this.entries.delete(key);
    if (found?.client) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(key, { value: deepFreeze(found), until: this.clock.now().getTime() + this.config.clientCacheSeconds * 1000 });
    }
    return found;
  }
}

function entryKey(slug: string, clientId: string): string {
  return `${slug}\u0000${clientId}`;
}

/** Shared between requests: nobody may change what another request will read. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
