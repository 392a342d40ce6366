import { describe, expect, it } from 'vitest';
import { Rng } from 'synod/sim';
import { SimRecordStore } from '../../src/sim/sim-record-store.js';

const record = (n: number, bytes = 20) => new Uint8Array(bytes).fill(n);

function contents(store: SimRecordStore): number[] {
  const firsts: number[] = [];
  store.forEachRecord((payload) => firsts.push(payload[0]!));
  return firsts;
}

describe('SimRecordStore: what a crash keeps', () => {
  it('keeps every synced record, and of the unsynced ones a prefix: whole records, or one cut short and cut off at open', () => {
    const kept = new Set<string>();
    let torn = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const store = new SimRecordStore();
      store.append(record(1));
      store.append(record(2));
      store.sync();
      store.append(record(3));
      store.append(record(4));
      const { store: after, crash } = store.crash(new Rng(seed));
      expect(crash.unsyncedBytes).toBe(2 * (8 + 20));
      const survivors = contents(after);
      expect(survivors.slice(0, 2)).toEqual([1, 2]);
      // Only a prefix: never 4 without 3.
      expect([[1, 2], [1, 2, 3], [1, 2, 3, 4]]).toContainEqual(survivors);
      expect(after.recoveredCount).toBe(survivors.length);
      if (after.tornAtOpen) torn++;
      kept.add(survivors.join(','));
      // The reopened store takes appends after what it kept.
      after.append(record(9));
      expect(contents(after)).toEqual([...survivors, 9]);
    }
    expect(kept.size).toBe(3);
    expect(torn).toBeGreaterThan(10);
  });

  it('a crash with nothing unsynced keeps everything; rewrite is atomic and durable', () => {
    const store = new SimRecordStore();
    for (let n = 1; n <= 5; n++) store.append(record(n));
    store.rewrite([record(7), record(8)]);
    const { store: after, crash } = store.crash(new Rng(1));
    expect(crash.unsyncedBytes).toBe(0);
    expect(contents(after)).toEqual([7, 8]);
    expect(after.recovered.map((payload) => payload[0])).toEqual([7, 8]);
  });
});
