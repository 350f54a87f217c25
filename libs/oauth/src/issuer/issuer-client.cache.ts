import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { ChangeListener } from '#database/notifications/change-listener.js';
import { CLIENT_CHANGES_CHANNEL } from '#database/notifications/client-changes.js';
import { pgClientOptions } from '#database/pg-connection-options.js';
import type { AppConfig } from '#platform/config/app-config.js';
import { APP_CONFIG, ROOT_LOGGER } from '#platform/config/config.tokens.js';
import { Clock } from '#platform/time/clock.js';
import { IssuerClientRepository, type IssuerAndClient } from './issuer-client.repository.js';

const MAX_ENTRIES = 10_000;

/** What the cache needs of a ChangeListener. */
export type ClientChanges = Pick<ChangeListener, 'listening' | 'generation' | 'start' | 'onChange' | 'close'>;

/** Injection token of the process's listener on CLIENT_CHANGES_CHANNEL; null when the cache is off. */
export const CLIENT_CHANGES = Symbol('CLIENT_CHANGES');

export const clientChangesProvider = {
  provide: CLIENT_CHANGES,
  inject: [MikroORM, APP_CONFIG, ROOT_LOGGER],
  useFactory: (orm: MikroORM, config: AppConfig, logger: Logger): ClientChanges | null => {
    if (config.clientCacheSeconds === 0) return null;
    const options = pgClientOptions(orm.config.get('clientUrl') as string, config.database, 'opentrusty-client-changes');
    return new ChangeListener({ ...options, statement_timeout: 0 }, CLIENT_CHANGES_CHANNEL, (error) =>
      logger.warn({ reason: error.message }, 'client change notifications interrupted; clients are read from the database until they resume'),
    );
  },
};

interface Entry {
  readonly value: IssuerAndClient;
  readonly until: number;
}

/**
 * An issuer's tenant and one of its clients, kept in memory: the token, introspection, revocation
 * and authorization endpoints read them on every request, and they change only through the admin
 * plane. PostgreSQL announces every committed change to a tenant or a client to every replica,
 * which then forgets everything it holds; while that channel is down, nothing is served from
 * memory. Only found clients are kept, so made-up client ids cannot crowd out real ones, and
 * OPENTRUSTY_CLIENT_CACHE_SECONDS bounds an entry's life should an announcement ever be missed.
 *
 * Off by default (OPENTRUSTY_CLIENT_CACHE_SECONDS=0): between a change's commit and its
 * notification's arrival (milliseconds; longer on a connection that died silently) a replica
 * would still decide on the old secret or status, which SPEC §1 does not allow. It is an opt-in
 * trade for operators who accept that window.
 */
@Injectable()
export class IssuerClientCache implements OnModuleDestroy {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly repository: IssuerClientRepository,
    private readonly clock: Clock,
    @Inject(CLIENT_CHANGES) private readonly changes: ClientChanges | null,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    changes?.onChange(() => this.entries.clear());
  }

  async find(slug: string, clientId: string | undefined): Promise<IssuerAndClient | null> {
    const changes = this.changes;
    if (!changes || clientId === undefined) return this.repository.find(slug, clientId);
    changes.start();
    const key = `${slug}\u0000${clientId}`;
    const now = this.clock.now().getTime();
    const hit = this.entries.get(key);
    if (hit && hit.until > now && changes.listening) return hit.value;

    const generation = changes.generation;
    const found = await this.repository.find(slug, clientId);
    // Kept only if nothing was announced while it was read: it might predate that change.
    if (found?.client && changes.listening && changes.generation === generation) {
      this.entries.delete(key);
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(key, { value: deepFreeze(found), until: now + this.config.clientCacheSeconds * 1000 });
    }
    return found;
  }

  async onModuleDestroy(): Promise<void> {
    await this.changes?.close();
  }
}

/** Shared between requests: nobody may change what another request will read. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
