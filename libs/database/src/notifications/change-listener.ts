import pg from 'pg';

const FIRST_RETRY_MS = 500;
const LAST_RETRY_MS = 15_000;
const CHANNEL_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * Follows one PostgreSQL NOTIFY channel on a dedicated connection, for the in-process caches that
 * must forget what they hold as soon as any replica commits a change (the triggers of
 * Migration20261129000900 notify at commit). The cache's contract:
 * - serve from memory only while `listening`; while not, read the database every time;
 * - store a value only if `generation` did not move while it was being read: the generation moves
 *   on every notification and on every loss or gain of the connection, so a value read before a
 *   change committed is never kept after that change was announced.
 * A lost connection is retried with backoff; until it is back, the cache is bypassed (fail closed).
 */
export class ChangeListener {
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private retryMs = FIRST_RETRY_MS;
  private closed = false;
  private ready = false;
  private changes = 0;
  private readonly handlers = new Set<() => void>();

  constructor(
    private readonly options: pg.ClientConfig,
    private readonly channel: string,
    private readonly report: (error: Error) => void,
  ) {
    if (!CHANNEL_NAME.test(channel)) throw new Error(`not a channel name: ${channel}`);
  }

  /** True while notifications are being received. */
  get listening(): boolean {
    return this.ready;
  }

  /** Moves on every change announced and on every loss or gain of the connection. */
  get generation(): number {
    return this.changes;
  }

  /** Called on every move of the generation. */
  onChange(handler: () => void): void {
    this.handlers.add(handler);
  }

  /** Connects and listens, unless already doing so or closed. Never throws: failures are retried. */
  start(): void {
    if (this.closed || this.client || this.retry) return;
    // Probe an idle connection after 10 s: a connection that died silently must be noticed soon.
    const client = new pg.Client({ ...this.options, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    this.client = client;
    client.on('notification', (message) => {
      if (message.channel === this.channel) this.changed();
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, undefined));
    client
      .connect()
      .then(() => client.query(`listen ${this.channel}`))
      .then(() => {
        if (this.client !== client) return;
        // Whatever was read before this point may predate a change nobody told us about.
        this.changed();
        this.ready = true;
        this.retryMs = FIRST_RETRY_MS;
      })
      .catch((error: Error) => this.lost(client, error));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    this.retry = undefined;
    const client = this.client;
    this.client = undefined;
    this.ready = false;
    this.changed();
    await client?.end().catch(() => undefined);
  }

  private lost(client: pg.Client, error: Error | undefined): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.ready = false;
    this.changed();
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.report(error ?? new Error('the notification connection ended'));
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.start();
    }, this.retryMs);
    this.retry.unref();
    this.retryMs = Math.min(this.retryMs * 2, LAST_RETRY_MS);
  }

  private changed(): void {
    this.changes += 1;
    for (const handler of this.handlers) handler();
  }
}
