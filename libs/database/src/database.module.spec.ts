import { describe, expect, it, jest } from '@jest/globals';
import { type EntityManager, RequestContext } from '@mikro-orm/core';
import { LazyForks } from './database.module.js';

describe('the request context of DatabaseModule', () => {
  it('can enter MikroORM’s own async storage (without it every request would fork eagerly again)', () => {
    const storage = (RequestContext as unknown as { storage?: { run?: unknown } }).storage;
    expect(typeof storage?.run).toBe('function');
  });

  it('forks the EntityManager on first use only, once per request, and only for its own name', () => {
    const fork = { name: 'default' } as unknown as EntityManager;
    const forkFn = jest.fn((_options: { useContext: boolean }) => fork);
    const root = { name: 'default', fork: forkFn } as unknown as EntityManager;
    const forks = new LazyForks(root);
    expect(forkFn).not.toHaveBeenCalled();
    expect(forks.get('default')).toBe(fork);
    expect(forks.get('default')).toBe(fork);
    expect(forkFn).toHaveBeenCalledTimes(1);
    expect(forkFn).toHaveBeenCalledWith({ useContext: true });
    expect(forks.get('other')).toBeUndefined();
  });

  it('answers "no fork yet" while the fork itself asks for the current manager', () => {
    const seenDuringFork: unknown[] = [];
    let forks: LazyForks;
    const root = {
      name: 'default',
      fork: () => {
        seenDuringFork.push(forks.get('default'));
        return { name: 'default' } as unknown as EntityManager;
      },
    } as unknown as EntityManager;
    forks = new LazyForks(root);
    forks.get('default');
    expect(seenDuringFork).toEqual([undefined]);
  });

  it('keeps separate forks for separate requests, and the request sees its fork through MikroORM', async () => {
    let made = 0;
    const root = { name: 'default', fork: () => ({ name: 'default', n: ++made }) as unknown as EntityManager } as unknown as EntityManager;
    const storage = (RequestContext as unknown as { storage: { run<T>(context: RequestContext, next: () => T): T } }).storage;
    const inRequest = () => storage.run(new RequestContext(new LazyForks(root)), async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return [RequestContext.getEntityManager(), RequestContext.getEntityManager()];
    });
    const [[a1, a2], [b1, b2]] = await Promise.all([inRequest(), inRequest()]);
    expect(a1).toBe(a2);
    expect(b1).toBe(b2);
    expect(a1).not.toBe(b1);
    expect(made).toBe(2);
  });
});
