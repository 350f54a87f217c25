import { describe, expect, it, jest } from '@jest/globals';
import type { AppConfig } from '#platform/config/app-config.js';
import { Clock } from '#platform/time/clock.js';
import { type ClientChanges, IssuerClientCache } from './issuer-client.cache.js';
import type { IssuerAndClient, IssuerClientRepository } from './issuer-client.repository.js';

const CLIENT_ID = '01935d6c-0000-7000-8000-000000000001';

class FakeChanges implements ClientChanges {
  listening = true;
  generation = 0;
  private handler: () => void = () => undefined;
  readonly start = jest.fn();
  readonly close = jest.fn(async () => undefined);
  onChange(handler: () => void): void {
    this.handler = handler;
  }
  /** A change announced, or the connection lost or regained. */
  announce(): void {
    this.generation += 1;
    this.handler();
  }
}

class FixedClock extends Clock {
  at = Date.parse('2026-11-29T10:00:00Z');
  now(): Date {
    return new Date(this.at);
  }
}

function found(secretHash: string): IssuerAndClient {
  return {
    tenant: { id: 't', slug: 'acme', name: 'Acme', status: 'active' },
    client: { id: CLIENT_ID, tenantId: 't', secretHash, scopes: ['api:read'] } as unknown as IssuerAndClient['client'],
  };
}

function setUp() {
  const rows: { current: IssuerAndClient | null } = { current: found('first') };
  /** While set, reads wait for it: a read still in flight when something happens. */
  const gate: { current: Promise<void> | undefined } = { current: undefined };
  const repository = {
    find: jest.fn(async (_slug: string, _clientId: string | undefined) => {
      const answer = rows.current;
      if (gate.current) await gate.current;
      return answer;
    }),
  };
  const changes = new FakeChanges();
  const clock = new FixedClock();
  const cache = new IssuerClientCache(repository as unknown as IssuerClientRepository, clock, changes, { clientCacheSeconds: 60 } as AppConfig);
  return { cache, repository, changes, clock, rows, gate };
}

describe('IssuerClientCache', () => {
  it('reads a client once while the change channel listens, and again after any announced change', async () => {
    const { cache, repository, changes, rows } = setUp();
    expect((await cache.find('acme', CLIENT_ID))?.client?.secretHash).toBe('first');
    expect((await cache.find('acme', CLIENT_ID))?.client?.secretHash).toBe('first');
    expect(repository.find).toHaveBeenCalledTimes(1);
    expect(changes.start).toHaveBeenCalled();

    rows.current = found('second');
    changes.announce();
    expect((await cache.find('acme', CLIENT_ID))?.client?.secretHash).toBe('second');
    expect(repository.find).toHaveBeenCalledTimes(2);
  });

  it('serves nothing from memory while the channel is down, and keeps nothing read then', async () => {
    const { cache, repository, changes } = setUp();
    await cache.find('acme', CLIENT_ID);
    changes.listening = false;
    await cache.find('acme', CLIENT_ID);
    await cache.find('acme', CLIENT_ID);
    expect(repository.find).toHaveBeenCalledTimes(3);
  });

  it('does not keep a value that was being read when a change was announced', async () => {
    const { cache, repository, changes, rows, gate } = setUp();
    let open!: () => void;
    gate.current = new Promise<void>((resolve) => (open = resolve));
    const reading = cache.find('acme', CLIENT_ID);
    rows.current = found('second');
    changes.announce();
    gate.current = undefined;
    open();
    expect((await reading)?.client?.secretHash).toBe('first');
    expect((await cache.find('acme', CLIENT_ID))?.client?.secretHash).toBe('second');
    expect(repository.find).toHaveBeenCalledTimes(2);
  });

  it('reads again once an entry is older than OPENTRUSTY_CLIENT_CACHE_SECONDS', async () => {
    const { cache, repository, clock } = setUp();
    await cache.find('acme', CLIENT_ID);
    clock.at += 59_999;
    await cache.find('acme', CLIENT_ID);
    expect(repository.find).toHaveBeenCalledTimes(1);
    clock.at += 1;
    await cache.find('acme', CLIENT_ID);
    expect(repository.find).toHaveBeenCalledTimes(2);
  });

  it('keeps neither unknown clients nor requests without a client id, and hands out frozen copies', async () => {
    const { cache, repository, rows } = setUp();
    rows.current = { tenant: found('x').tenant, client: null };
    await cache.find('acme', CLIENT_ID);
    await cache.find('acme', CLIENT_ID);
    await cache.find('acme', undefined);
    expect(repository.find).toHaveBeenCalledTimes(3);

    rows.current = found('first');
    const value = await cache.find('acme', CLIENT_ID);
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen(value?.client?.scopes)).toBe(true);
  });

  it('is bypassed entirely when turned off (no channel)', async () => {
    const repository = { find: jest.fn(async () => found('first')) };
    const cache = new IssuerClientCache(repository as unknown as IssuerClientRepository, new FixedClock(), null, { clientCacheSeconds: 0 } as AppConfig);
    await cache.find('acme', CLIENT_ID);
    await cache.find('acme', CLIENT_ID);
    expect(repository.find).toHaveBeenCalledTimes(2);
  });
});
