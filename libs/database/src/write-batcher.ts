interface Waiting<T, R> {
  readonly item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

export interface WriteBatcherOptions {
  /** Batches being written at once; a write that finds fewer goes out at once, alone. */
  readonly maxInFlight: number;
  readonly maxBatch: number;
}

/**
 * Gathers the writes that arrive while `maxInFlight` earlier batches are being written and sends
 * them together as one statement: under load, concurrent requests share one round trip and one
 * commit (one WAL flush) instead of each paying for its own. A write resolves, with its own
 * result (`writeBatch` answers one per item, in order), only once its batch has committed, so
 * nothing is acknowledged before it is durable; a failed batch fails every write in it and every
 * write still waiting, and the next write is tried afresh.
 */
export class WriteBatcher<T, R = void> {
  private readonly waiting: Waiting<T, R>[] = [];
  private inFlight = 0;

  constructor(
    private readonly writeBatch: (items: readonly T[]) => Promise<readonly R[]>,
    private readonly options: WriteBatcherOptions,
  ) {}

  write(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.inFlight < this.options.maxInFlight) void this.send();
    });
  }

  private async send(): Promise<void> {
    const batch = this.waiting.splice(0, this.options.maxBatch);
    if (batch.length === 0) return;
    this.inFlight += 1;
    try {
      const results = await this.writeBatch(batch.map((waiting) => waiting.item));
      batch.forEach((waiting, index) => waiting.resolve(results[index] as R));
    } catch (error) {
      // Those still waiting fail with it rather than each waiting out the same outage (SPEC §8:
      // fail fast); the next write starts afresh.
      for (const waiting of [...batch, ...this.waiting.splice(0)]) waiting.reject(error);
    } finally {
      this.inFlight -= 1;
      if (this.waiting.length > 0) void this.send();
    }
  }
}
