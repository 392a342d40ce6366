import { describe, expect, it } from 'vitest';
import { IdlePrefault, PREFAULT_AHEAD_MAX_BYTES, PREFAULT_AHEAD_MIN_BYTES, PREFAULT_BUDGET_BYTES } from '../../src/log/actors/idle-prefault.js';
import type { RecordStore } from '../../src/storage/index.js';

/** A store that only records what prefault() was asked: the sizing is what is under test. */
function fakeStore(withPrefault = true) {
  const asked: Array<{ aheadBytes: number; budgetBytes: number }> = [];
  const store = {
    sizeBytes: 0,
    ...(withPrefault
      ? {
          prefault(aheadBytes: number, budgetBytes: number) {
            asked.push({ aheadBytes, budgetBytes });
            return true;
          },
        }
      : {}),
  };
  return { store, asked, idle: new IdlePrefault(store as unknown as RecordStore) };
}

describe('IdlePrefault', () => {
  it('asks for the least distance ahead while the store does not grow, in budget-sized steps', () => {
    const { idle, asked } = fakeStore();
    expect(idle.run(0)).toBe(true);
    expect(asked).toEqual([{ aheadBytes: PREFAULT_AHEAD_MIN_BYTES, budgetBytes: PREFAULT_BUDGET_BYTES }]);
  });

  it('goes four bursts ahead, the largest of about the last second, up to its ceiling', () => {
    const { store, asked, idle } = fakeStore();
    idle.run(0);
    store.sizeBytes += 1 << 20; // a burst of 1 MiB between two idle moments
    idle.run(10);
    expect(asked.at(-1)!.aheadBytes).toBe(4 << 20);
    store.sizeBytes += 1000; // smaller bursts do not shrink it within the window
    idle.run(20);
    expect(asked.at(-1)!.aheadBytes).toBe(4 << 20);
    store.sizeBytes += 64 << 20;
    idle.run(30);
    expect(asked.at(-1)!.aheadBytes).toBe(PREFAULT_AHEAD_MAX_BYTES);
    // Two quiet windows later, back to the least.
    idle.run(1100);
    idle.run(2200);
    expect(asked.at(-1)!.aheadBytes).toBe(PREFAULT_AHEAD_MIN_BYTES);
  });

  it('takes a store that shrank (a trim) as no burst', () => {
    const { store, asked, idle } = fakeStore();
    store.sizeBytes = 100 << 20;
    idle.run(0);
    store.sizeBytes = 1 << 20;
    idle.run(1500);
    idle.run(3000);
    expect(asked.at(-1)!.aheadBytes).toBe(PREFAULT_AHEAD_MIN_BYTES);
  });

  it('does nothing for a store without prefault (a file)', () => {
    const { idle } = fakeStore(false);
    expect(idle.run(0)).toBe(false);
  });
});
