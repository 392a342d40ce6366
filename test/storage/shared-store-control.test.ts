import { describe, expect, it } from 'vitest';
import { SHARED_STORE_BYTES_MAX, packSharedStoreControl, unpackSharedStoreControl } from 'synod/storage';

describe('the shared store control word', () => {
  it('round-trips every committed size up to the largest a half holds, in either half', () => {
    const sizes = [0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 8, 2 ** 32 - 1, SHARED_STORE_BYTES_MAX];
    for (const committedBytes of sizes) {
      for (const liveHalf of [0, 1] as const) {
        expect(unpackSharedStoreControl(packSharedStoreControl(committedBytes, liveHalf))).toEqual({ committedBytes, liveHalf });
      }
    }
  });

  it('holds its largest word in a BigInt64Array through Atomics', () => {
    const word = new BigInt64Array(new SharedArrayBuffer(8));
    Atomics.store(word, 0, packSharedStoreControl(SHARED_STORE_BYTES_MAX, 1));
    expect(unpackSharedStoreControl(Atomics.load(word, 0))).toEqual({ committedBytes: 2 ** 32, liveHalf: 1 });
  });

  it('refuses what it cannot hold, naming the value and the limit', () => {
    expect(() => packSharedStoreControl(SHARED_STORE_BYTES_MAX + 1, 0)).toThrow(new RangeError(
      `shared store control word: committed bytes must be an integer from 0 to ${SHARED_STORE_BYTES_MAX}, got ${SHARED_STORE_BYTES_MAX + 1}`,
    ));
    expect(() => packSharedStoreControl(-1, 0)).toThrow(RangeError);
    expect(() => packSharedStoreControl(1.5, 0)).toThrow(RangeError);
    expect(() => packSharedStoreControl(Number.NaN, 0)).toThrow(RangeError);
    expect(() => packSharedStoreControl(8, 2 as 0)).toThrow(/live half must be 0 or 1, got 2/);
    expect(() => unpackSharedStoreControl(-1n)).toThrow(RangeError);
    expect(() => unpackSharedStoreControl(2n ** 33n + 2n)).toThrow(/outside what a store of 4294967296 bytes writes/);
  });
});
