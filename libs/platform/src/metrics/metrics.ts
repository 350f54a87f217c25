import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the database pool gauge reads at scrape time. */
export interface PoolStats {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
}

/**
 * The process's Prometheus series (SPEC §8): requests and their latency per route, sign-ins by
 * outcome, tokens issued by grant, password-hash time, database pool usage, and Node's own
 * process metrics. One instance per process, shared by both planes.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'opentrusty_http_requests_total',
    help: 'HTTP requests answered, by plane, method, route pattern and status code.',
    labelNames: ['plane', 'method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'opentrusty_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by plane, method and route pattern.',
    labelNames: ['plane', 'method', 'route'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly logins = new Counter({
    name: 'opentrusty_logins_total',
    help: 'Password sign-ins, by plane and outcome (success or failure).',
    labelNames: ['plane', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly tokensIssued = new Counter({
    name: 'opentrusty_tokens_issued_total',
    help: 'Token responses issued by the token endpoint, by grant type.',
    labelNames: ['grant_type'] as const,
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: 'opentrusty_rate_limited_total',
    help: 'Requests refused with 429 because a rate limit was reached, by limit.',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  readonly passwordHashDuration = new Histogram({
    name: 'opentrusty_password_hash_duration_seconds',
    help: 'Argon2id time per operation (hash or verify), queueing included.',
    labelNames: ['operation'] as const,
    buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2],
    registers: [this.registry],
  });

  constructor(poolStats?: () => PoolStats | undefined) {
    collectDefaultMetrics({ register: this.registry, prefix: 'opentrusty_' });
    const registry = this.registry;
    new Gauge({
      name: 'opentrusty_db_pool_connections',
      help: 'Database pool connections: total open, idle, and requests waiting for one.',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        const stats = poolStats?.();
        if (!stats) return;
        this.set({ state: 'total' }, stats.total);
        this.set({ state: 'idle' }, stats.idle);
        this.set({ state: 'waiting' }, stats.waiting);
      },
    });
  }
}
