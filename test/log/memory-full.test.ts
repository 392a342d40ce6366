// An in-memory log has a ceiling (memoryBytesMax, at most 4 GiB: the largest SharedArrayBuffer):
// reaching it is a full disk, not a crash (a learner past 1 GiB of entries used to die). Appends
// fail with StorageFullError, every role stays up, and trim makes room again.
import { describe, expect, it } from 'vitest';
import { ReplicatedLog, StorageFullError } from 'synod';
import { SharedRecordStore, createSharedStoreMemory, isStorageError } from 'synod/storage';
import { appendUntilRefused, closedAfterEach } from './helpers.js';

const { openLog } = closedAfterEach();

describe('a full in-memory store', () => {
  it('refuses an append with an ENOSPC-coded error and keeps what it held', () => {
    const memory = createSharedStoreMemory(128 * 1024);
    const store = new SharedRecordStore(memory);
    let appended = 0;
    let error: unknown;
    try {
      for (;;) {
        store.append(new Uint8Array(1000).fill(appended & 0xff));
        store.sync();
        appended++;
      }
    } catch (caught) {
      error = caught;
    }
    expect(isStorageError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ENOSPC' });
    expect(appended).toBeGreaterThan(100);
    expect(new SharedRecordStore(memory).recoveredCount).toBe(appended);
    expect(() => createSharedStoreMemory(2 ** 33)).toThrow(RangeError);
  });

  it('fails appends with StorageFullError at memoryBytesMax, keeps every role alive, and trim makes room', async () => {
    const log = await openLog({ ringBytes: 65_536, memoryBytesMax: 1 << 20, appendTimeoutMs: 20_000 });
    const { entry, acknowledged, failure } = await appendUntilRefused(log);
    expect(failure).toBeInstanceOf(StorageFullError);
    expect(failure).toMatchObject({ code: 'ERR_SYNOD_STORAGE_FULL', systemCode: 'ENOSPC', path: 'shared memory' });
    expect((await log.cluster.actors()).filter((actor) => !actor.alive)).toEqual([]);
    const highest = Math.max(...acknowledged);
    await log.trim(highest - 10);
    // Room again: the learner catches up, the acceptors drop what it delivered, and appends go
    // through by themselves (a few may still fail while that happens).
    const deadline = performance.now() + 15_000;
    let resumed = false;
    while (!resumed && performance.now() < deadline) {
      resumed = await log.append(entry(0)).then(() => true, (error: unknown) => {
        expect(error).toBeInstanceOf(StorageFullError);
        return false;
      });
    }
    expect(resumed).toBe(true);
    const after = await Promise.all(Array.from({ length: 50 }, (_, k) => log.append(entry(k))));
    expect(after).toHaveLength(50);
    let seen = 0;
    for await (const { index, data } of log.read({ from: highest - 10 })) {
      expect(data.byteLength).toBe(1024);
      if (index <= highest) seen++;
    }
    expect(seen).toBe(11);
  });

  it('memoryBytesMax is refused with storage.dir, and below what the ring needs', async () => {
    await expect(ReplicatedLog.open({ memoryBytesMax: 1 << 20, storage: { dir: '/tmp/unused' } })).rejects.toThrow(/memoryBytesMax bounds an in-memory log/);
    await expect(ReplicatedLog.open({ memoryBytesMax: 1 << 20 })).rejects.toThrow(/must hold at least four of the largest messages of option ringBytes 1048576/);
  });
});
