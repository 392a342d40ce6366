import { describe, expect, it } from 'vitest';
import { SharedRecordStore, createSharedStoreMemory } from 'synod/storage';

const record = (length: number, fill: number) => new Uint8Array(length).fill(fill);
const PAGE = 4096;

// prefault() writes into the live half past its last record, where the next records go: it must
// never touch a byte a record holds, whatever it is asked, and never grow a half past its limit.
describe('SharedRecordStore.prefault', () => {
  it('grows the live half ahead of its end in steps of the budget, and leaves every record as it was', () => {
    const memory = createSharedStoreMemory();
    const store = new SharedRecordStore(memory);
    const records = [record(5000, 1), record(100, 2), record(70_000, 3)];
    for (const payload of records) store.append(payload);
    store.sync();
    const end = store.sizeBytes;
    const ahead = 1 << 20;
    let calls = 0;
    while (store.prefault(ahead, 64 * 1024)) calls++;
    // 1 MiB in 64 KiB steps, the first starting at the end: 16 calls that touched something.
    expect(calls).toBe(16);
    expect(memory.halves[0].byteLength).toBeGreaterThanOrEqual(end + ahead);
    expect(store.prefault(ahead, 64 * 1024)).toBe(false);
    expect(new SharedRecordStore(memory).recovered).toEqual(records);
    // Records written over the touched pages read back whole, here and in a successor.
    const more = [record(3 * PAGE + 5, 4), record(1, 5)];
    for (const payload of more) store.append(payload);
    store.sync();
    expect(new SharedRecordStore(memory).recovered).toEqual([...records, ...more]);
    // The end moved on: so does what is ahead of it.
    expect(store.prefault(ahead, 64 * 1024)).toBe(true);
  });

  it('stops at the half\'s limit without an error, and the store still fills to it', () => {
    const bytesMax = 256 * 1024;
    const fill = (store: SharedRecordStore): number => {
      let appended = 0;
      for (;;) {
        try {
          store.append(record(10_000, appended & 0xff));
        } catch (error) {
          expect((error as Error).message).toMatch(/shared record store is full/);
          return appended;
        }
        appended++;
      }
    };
    const memory = createSharedStoreMemory(bytesMax);
    const store = new SharedRecordStore(memory);
    store.append(record(1000, 9));
    while (store.prefault(16 * bytesMax, 32 * 1024));
    expect(memory.halves[0].byteLength).toBe(bytesMax);
    expect(store.prefault(16 * bytesMax, 32 * 1024)).toBe(false);
    // It holds as many records as a store that never prefaulted.
    const plain = new SharedRecordStore(createSharedStoreMemory(bytesMax));
    plain.append(record(1000, 9));
    const appended = fill(store);
    expect(appended).toBe(fill(plain));
    expect(appended).toBeGreaterThan(20);
    store.sync();
    expect(new SharedRecordStore(memory).recovered).toHaveLength(1 + appended);
  });

  it('leaves an open reservation alone: its bytes are being written', () => {
    const memory = createSharedStoreMemory();
    const store = new SharedRecordStore(memory);
    const at = store.reserve(50_000);
    store.reservedTarget.fill(6, at, at + 50_000);
    expect(store.prefault(1 << 20, 1 << 20)).toBe(false);
    store.appendReserved(50_000);
    store.sync();
    expect(new SharedRecordStore(memory).recovered).toEqual([record(50_000, 6)]);
    expect(store.prefault(1 << 20, 1 << 20)).toBe(true);
  });

  it('after a rewrite, goes ahead in the half that is live now', () => {
    const memory = createSharedStoreMemory();
    const store = new SharedRecordStore(memory);
    store.append(record(200, 1));
    store.sync();
    while (store.prefault(512 * 1024, 64 * 1024));
    store.rewrite([record(300, 2)]);
    const otherHalfBefore = memory.halves[1].byteLength;
    expect(store.prefault(512 * 1024, 1 << 20)).toBe(true);
    expect(memory.halves[1].byteLength).toBeGreaterThan(otherHalfBefore);
    store.append(record(400, 3));
    store.sync();
    expect(new SharedRecordStore(memory).recovered).toEqual([record(300, 2), record(400, 3)]);
  });
});
