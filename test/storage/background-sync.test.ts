// A file store's fdatasync on a helper thread (FileRecordStore.syncInBackground, background-sync.ts):
// startSync() returns at once, syncedMark() reaches its mark only once the helper's sync returned,
// the helper wakes the requester's doorbell, and every way a helper can fail leaves the writes
// unsynced until a sync that succeeds. The helper here is the real loop with a sync the test holds
// (test/fixtures/gated-sync-thread.ts): it runs fdatasync, but only when the test opens the gate.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDoorbell, Doorbell } from 'synod/mailbox';
import { BackgroundSync, FileRecordStore, SYNC_FINISHED, isStorageError, syncError } from 'synod/storage';
import { EXIT, FAIL_ERRNO, GATE_OPEN, GATE_WORDS, STARTED, SYNCED } from '../../dist/test/fixtures/gated-sync-words.js';

const GATED_HELPER = new URL('../../dist/test/fixtures/gated-sync-thread.js', import.meta.url);
const IDLE_BITS = 2;

let dir: string;
const opened: FileRecordStore[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'synod-bgsync-'));
});
afterEach(() => {
  for (const store of opened.splice(0)) {
    try {
      store.close();
    } catch {
      // a test that left a failure pending
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A store in 'batch' mode syncing through the gated helper, its gate, and the doorbell the helper
 * rings; with `started`, its helper already runs (the first startSync() starts it and syncs on the
 * caller's thread meanwhile: a record written and synced that way comes first).
 */
async function startedGatedStore() {
  const gated = gatedStore();
  gated.store.append(bytes(0));
  const mark = gated.store.startSync();
  expect(gated.store.syncedMark()).toBe(mark);
  expect(gated.store.backgroundSyncs).toBe(0);
  await waitUntil(() => gated.store.syncHelperReady, () => 'the helper thread did not start');
  return gated;
}

function gatedStore(fsync: 'batch' | 'always' | 'never' = 'batch') {
  const gate = new Int32Array(new SharedArrayBuffer(GATE_WORDS * 4));
  const doorbellSab = createDoorbell();
  const store = new FileRecordStore(join(dir, 'a.log'), fsync);
  opened.push(store);
  store.syncInBackground({ doorbell: doorbellSab, bits: IDLE_BITS }, { module: GATED_HELPER, data: gate });
  const doorbell = new Doorbell(doorbellSab);
  /** Lets the next `count` syncs run. */
  const open = (count = 1) => {
    Atomics.add(gate, GATE_OPEN, count);
    Atomics.notify(gate, GATE_OPEN);
  };
  return { store, gate, doorbell, open };
}

/** Polls `done` (the helper answers on its own thread) until it holds, or fails naming what it waited for after 10 s. */
async function waitUntil(done: () => boolean, what: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`waited 10 s: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Until syncedMark() reaches `mark`. */
const syncedTo = (store: FileRecordStore, mark: number): Promise<void> =>
  waitUntil(() => store.syncedMark() >= mark, () => `syncedMark() stayed at ${store.syncedMark()}, below ${mark}`);

/** Until the helper has started `count` syncs in all. */
const started = (gate: Int32Array, count: number): Promise<void> =>
  waitUntil(() => Atomics.load(gate, STARTED) >= count, () => `the helper started ${Atomics.load(gate, STARTED)} syncs, not ${count}`);

const bytes = (...values: number[]) => new Uint8Array(values);

describe('a file store syncing on a helper thread', () => {
  it('returns from startSync() at once; syncedMark() reaches its mark only after the helper synced, which rings the doorbell', async () => {
    const { store, gate, doorbell, open } = await startedGatedStore();
    store.append(bytes(1, 2, 3));
    const mark = store.startSync();
    expect(mark).toBe(store.writtenMark);
    expect(store.backgroundSyncs).toBe(1);
    await started(gate, 1);
    // Held at the gate: the write is not synced, however long we look.
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(store.syncedMark()).toBeLessThan(mark);
    expect(doorbell.takeInterrupts()).toBe(0);
    open();
    await syncedTo(store, mark);
    expect(Atomics.load(gate, SYNCED)).toBe(1);
    expect(doorbell.takeInterrupts() & IDLE_BITS).toBe(IDLE_BITS);
  });

  it('starts the next sync when one returns, for the writes made while it ran, and one at a time', async () => {
    const { store, gate, open } = await startedGatedStore();
    store.append(bytes(1));
    const first = store.startSync();
    await started(gate, 1);
    store.append(bytes(2));
    const second = store.startSync();
    expect(second).toBeGreaterThan(first);
    // The helper is busy: no second request yet.
    expect(store.backgroundSyncs).toBe(1);
    open();
    await syncedTo(store, first);
    // Taking the first outcome started the second sync.
    expect(store.backgroundSyncs).toBe(2);
    expect(store.syncedMark()).toBeLessThan(second);
    open();
    await syncedTo(store, second);
    expect(Atomics.load(gate, SYNCED)).toBe(2);
  });

  it('syncs on the caller\'s thread with syncHere (no helper involved), and sync() waits for a helper\'s sync in flight', async () => {
    const { store, gate, open } = await startedGatedStore();
    store.append(bytes(1));
    const mark = store.startSync(true);
    expect(store.syncedMark()).toBe(mark);
    expect(store.backgroundSyncs).toBe(0);
    store.append(bytes(2));
    store.startSync();
    await started(gate, 1);
    open();
    store.append(bytes(3));
    // Takes the helper's sync (waiting for it to return), then syncs what came after on this thread.
    store.sync();
    expect(Atomics.load(gate, SYNCED)).toBe(1);
    expect(store.syncedMark()).toBe(store.writtenMark);
    store.close();
    expect(new FileRecordStore(join(dir, 'a.log'), 'batch').recovered).toEqual([bytes(0), bytes(1), bytes(2), bytes(3)]);
  });

  it('reports a failed sync once, as the disk error it is, and the writes stay unsynced until a later sync succeeds', async () => {
    const { store, gate, open } = await startedGatedStore();
    store.append(bytes(1));
    Atomics.store(gate, FAIL_ERRNO, -28); // ENOSPC
    const mark = store.startSync();
    open();
    let failure: unknown;
    const failed = (): boolean => {
      try {
        store.syncedMark();
        return false;
      } catch (error) {
        failure = error;
        return true;
      }
    };
    await waitUntil(failed, () => 'syncedMark() never reported the failed sync');
    expect(isStorageError(failure)).toBe(true);
    expect(failure).toMatchObject({ code: 'ENOSPC', syscall: 'fdatasync', path: join(dir, 'a.log') });
    // Once: the next look starts the sync again (the writes are still unsynced), and it succeeds.
    expect(store.syncedMark()).toBeLessThan(mark);
    expect(store.backgroundSyncs).toBe(2);
    open();
    await syncedTo(store, mark);
    expect(Atomics.load(gate, SYNCED)).toBe(1);
  });

  it('syncs on its own thread once the helper dies with a sync in flight, and from then on', async () => {
    const { store, gate, open } = await startedGatedStore();
    store.append(bytes(1));
    Atomics.store(gate, EXIT, 1);
    const mark = store.startSync();
    open();
    // The helper exits without answering; the store notices (its thread is gone) and syncs itself.
    await syncedTo(store, mark);
    expect(store.syncsInBackground).toBe(false);
    store.append(bytes(2));
    const next = store.startSync();
    expect(store.syncedMark()).toBe(next);
    expect(store.backgroundSyncs).toBe(1);
    expect(Atomics.load(gate, SYNCED)).toBe(0);
  });

  it('rewrites and closes with a sync in flight only after it returned', async () => {
    const { store, gate, open } = await startedGatedStore();
    store.append(bytes(1));
    store.startSync();
    await started(gate, 1);
    open();
    store.rewrite([bytes(9)]);
    expect(Atomics.load(gate, SYNCED)).toBe(1);
    expect(store.syncedMark()).toBe(store.writtenMark);
    store.append(bytes(8));
    store.startSync();
    await started(gate, 2);
    open();
    store.close();
    expect(Atomics.load(gate, SYNCED)).toBe(2);
    expect(new FileRecordStore(join(dir, 'a.log'), 'batch').recovered).toEqual([bytes(9), bytes(8)]);
  });

  it('syncs on its own thread, for good, when no helper thread can be made', () => {
    const store = new FileRecordStore(join(dir, 'c.log'), 'batch');
    opened.push(store);
    // A module Node refuses to start a worker from, at once: as a process out of threads would.
    store.syncInBackground({ doorbell: createDoorbell(), bits: IDLE_BITS }, { module: new URL('https://example.invalid/helper.js') });
    store.append(bytes(1));
    const mark = store.startSync();
    expect(store.syncedMark()).toBe(mark);
    expect(store.syncsInBackground).toBe(false);
    store.append(bytes(2));
    const next = store.startSync();
    expect(store.syncedMark()).toBe(next);
    expect(store.backgroundSyncs).toBe(0);
  });

  it("uses no helper in 'always' and 'never' modes: every mark is synced when startSync() returns", () => {
    for (const fsync of ['always', 'never'] as const) {
      rmSync(join(dir, 'a.log'), { force: true });
      const { store } = gatedStore(fsync);
      store.append(bytes(1));
      const mark = store.startSync();
      expect(mark).toBe(1);
      expect(store.syncedMark()).toBe(mark);
      expect(store.syncsInBackground).toBe(false);
      store.close();
    }
  });

  it('names the errno of a failed fdatasync as Node does (a full disk is a storage error; an unknown errno is EIO)', () => {
    expect(syncError(-28, '/x')).toMatchObject({ code: 'ENOSPC', errno: -28, syscall: 'fdatasync', path: '/x' });
    expect(isStorageError(syncError(-5, '/x'))).toBe(true);
    expect(isStorageError(syncError(-9, '/x'))).toBe(false); // EBADF: a bug, not the disk
    expect(syncError(-999_999, '/x').code).toBe('EIO');
  });

  it('runs the real helper: a sync of a real file returns and wakes the doorbell', async () => {
    const doorbellSab = createDoorbell();
    const sync = new BackgroundSync({ doorbell: doorbellSab, bits: IDLE_BITS });
    const store = new FileRecordStore(join(dir, 'b.log'), 'batch');
    opened.push(store);
    store.append(bytes(1));
    store.flush!();
    // The store's fd is its own: a second store on the same path gives the helper one to sync.
    const { openSync, closeSync } = await import('node:fs');
    const fd = openSync(join(dir, 'b.log'), 'r+');
    try {
      sync.request(fd);
      await waitUntil(() => !sync.inFlight, () => 'the real helper\'s sync did not return');
      expect(sync.errno).toBe(0);
      expect(new Doorbell(doorbellSab).takeInterrupts()).toBe(IDLE_BITS);
      expect(() => sync.request(fd)).not.toThrow();
      expect(sync.waitFinished()).toBe(true);
      // Tickets across the Int32 wrap: the last before it, then the first two after it.
      const inside = sync as unknown as { ticket: number; words: Int32Array };
      inside.ticket = 0x7fff_fffe;
      Atomics.store(inside.words, SYNC_FINISHED, 0x7fff_fffe);
      for (const expected of [0x7fff_ffff, -0x8000_0000, -0x7fff_ffff]) {
        expect(sync.request(fd)).toBe(expected);
        expect(sync.waitFinished()).toBe(true);
        expect(sync.errno).toBe(0);
      }
    } finally {
      sync.close();
      closeSync(fd);
    }
  });
});
