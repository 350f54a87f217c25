import { describe, expect, it } from '@jest/globals';
import { WriteBatcher } from './write-batcher.js';

/** A writer whose batches stay in flight until released, recording what each contained. */
function gatedWriter() {
  const batches: number[][] = [];
  const gates: { release(): void; fail(error: Error): void }[] = [];
  const write = (items: readonly number[]) =>
    new Promise<number[]>((resolve, reject) => {
      batches.push([...items]);
      gates.push({ release: () => resolve(items.map((item) => item * 10)), fail: reject });
    });
  return { batches, gates, write };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('WriteBatcher', () => {
  it('sends a write at once while a slot is free, and gathers the writes that arrive while every slot is busy', async () => {
    const writer = gatedWriter();
    const batcher = new WriteBatcher(writer.write, { maxInFlight: 2, maxBatch: 100 });
    const first = batcher.write(1);
    const second = batcher.write(2);
    const waiting = [3, 4, 5].map((n) => batcher.write(n));
    expect(writer.batches).toEqual([[1], [2]]);

    writer.gates[0]!.release();
    await first;
    await tick();
    expect(writer.batches).toEqual([[1], [2], [3, 4, 5]]);
    writer.gates[1]!.release();
    writer.gates[2]!.release();
    // Each write gets its own result from its batch.
    expect(await Promise.all([second, ...waiting])).toEqual([20, 30, 40, 50]);
  });

  it('acknowledges no write before its batch has been written', async () => {
    const writer = gatedWriter();
    const batcher = new WriteBatcher(writer.write, { maxInFlight: 1, maxBatch: 100 });
    let done = false;
    const pending = batcher.write(1).then(() => (done = true));
    await tick();
    expect(done).toBe(false);
    writer.gates[0]!.release();
    await pending;
    expect(done).toBe(true);
  });

  it('fails every write of a failed batch and every write still waiting, then writes the next one afresh', async () => {
    const writer = gatedWriter();
    const batcher = new WriteBatcher(writer.write, { maxInFlight: 1, maxBatch: 100 });
    const first = batcher.write(1);
    const [second, third] = [batcher.write(2), batcher.write(3)];
    writer.gates[0]!.release();
    await first;
    await tick();
    const waiting = batcher.write(9);
    writer.gates[1]!.fail(new Error('connection lost'));
    await expect(second).rejects.toThrow('connection lost');
    await expect(third).rejects.toThrow('connection lost');
    // Queued behind the failed batch: failed at once, never sent.
    await expect(waiting).rejects.toThrow('connection lost');
    expect(writer.batches.flat()).not.toContain(9);
    const fourth = batcher.write(4);
    expect(writer.batches.at(-1)).toEqual([4]);
    writer.gates[2]!.release();
    await fourth;
  });

  it('splits what waits into batches of at most maxBatch', async () => {
    const writer = gatedWriter();
    const batcher = new WriteBatcher(writer.write, { maxInFlight: 1, maxBatch: 2 });
    const all = [1, 2, 3, 4, 5].map((n) => batcher.write(n));
    for (let released = 0; released < 3; released++) {
      writer.gates[released]!.release();
      await tick();
    }
    await Promise.all(all);
    expect(writer.batches).toEqual([[1], [2, 3], [4, 5]]);
  });
});
