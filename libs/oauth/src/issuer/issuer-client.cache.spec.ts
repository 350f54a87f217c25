import { describe, expect, it, jest } from '@jest/globals';
import type { AppConfig } from '#platform/config/app-config.js';
import { Clock } from '#platform/time/clock.js';
import { IssuerClientCache } from './issuer-client.cache.js';
import type { IssuerAndClient, IssuerClientRepository } from './issuer-client.repository.js';

const CLIENT_ID = '01935d6c-0000-7000-8000-000000000001';

class FixedClock extends Clock {
  at = Date.parse('2026-11-29T10:00:00Z');
  now(): Date {
    return new Date(this.at);
  }
}

function found(secretHash: string): IssuerAndClient {
  return {
    tenant: { id: 't', slug: 'acme', name: 'Acme', status: 'active' },
    client: { id: CLIENT_ID, tenantId: 't', secretHash, scopes: ['api:read'], versions: { client: '10', tenant: '5' } } as unknown as IssuerAndClient['client'],
  };
}

function setUp(clientCacheSeconds = 60) {
  const rows: { current: IssuerAndClient | null } = { current: found('first') };
  const repository = { find: jest.fn(async (_slug: string, _clientId: string | undefined) => rows.current) };
  const clock = new FixedClock();
  const cache = new IssuerClientCache(repository as unknown as IssuerClientRepository, clock, { clientCacheSeconds } as AppConfig);
  return { cache, repository, clock, rows };
}

describe('IssuerClientCache', () => {
  it('remembers what the last read of a client found, until the next read replaces it', async () => {
    const { cache, rows } = setUp();
    expect(cache.remembered('acme', CLIENT_ID)).toBeUndefined();
    await cache.read('acme', CLIENT_ID);
    expect(cache.remembered('acme', CLIENT_ID)?.client?.secretHash).toBe('first');

    rows.current = found('second');
    expect(cache.remembered('acme', CLIENT_ID)?.client?.secretHash).toBe('first');
    expect((await cache.read('acme', CLIENT_ID))?.client?.secretHash).toBe('second');
    expect(cache.remembered('acme', CLIENT_ID)?.client?.secretHash).toBe('second');
    expect(cache.remembered('other', CLIENT_ID)).toBeUndefined();
  });

  it('forgets a client that a read no longer finds, and never keeps unknown ones', async () => {
    const { cache, rows } = setUp();
    await cache.read('acme', CLIENT_ID);
    rows.current = { tenant: found('x').tenant, client: null };
    expect((await cache.read('acme', CLIENT_ID))?.client).toBeNull();
    expect(cache.remembered('acme', CLIENT_ID)).toBeUndefined();
    rows.current = null;
    await cache.read('gone', CLIENT_ID);
    expect(cache.remembered('gone', CLIENT_ID)).toBeUndefined();
  });

  it('keeps a copy no longer than OPENTRUSTY_CLIENT_CACHE_SECONDS, and nothing when it is 0', async () => {
    const { cache, clock } = setUp(60);
    await cache.read('acme', CLIENT_ID);
    clock.at += 59_000;
    expect(cache.remembered('acme', CLIENT_ID)).toBeDefined();
    clock.at += 1_000;
    expect(cache.remembered('acme', CLIENT_ID)).toBeUndefined();

    const off = setUp(0);
    await off.cache.read('acme', CLIENT_ID);
    expect(off.cache.remembered('acme', CLIENT_ID)).toBeUndefined();
    expect(off.repository.find).toHaveBeenCalledTimes(1);
  });

  it('hands out copies nobody can change', async () => {
    const { cache } = setUp();
    await cache.read('acme', CLIENT_ID);
    const copy = cache.remembered('acme', CLIENT_ID)!;
    expect(() => {
      (copy.client!.scopes as string[]).push('admin');
    }).toThrow(TypeError);
    expect(Object.isFrozen(copy.client!.versions)).toBe(true);
  });
});
