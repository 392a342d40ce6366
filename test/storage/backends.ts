// The two RecordStores the durable classes run over, behind one shape, so every test runs on both.
// "Crash" = drop the store without sync() or close(): for a file the unsynced records were never
// written (fsync 'batch'); for shared memory they sit above the commit point a successor reads to.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileRecordStore, SharedRecordStore, createSharedStoreMemory } from 'synod/storage';
import type { RecordStore } from 'synod/storage';

export interface Backend {
  readonly name: string;
  /** Opens the store a restarted process (or worker) would open. */
  open(): RecordStore;
  /** Where the file lives, for tests that damage it (undefined for shared memory). */
  readonly path: string | undefined;
  dispose(): void;
}

export const BACKENDS: ReadonlyArray<{ name: string; make(): Backend }> = [
  {
    name: 'FileRecordStore',
    make() {
      const dir = mkdtempSync(join(tmpdir(), 'synod-durable-'));
      const path = join(dir, 'store.log');
      return { name: 'file', path, open: () => new FileRecordStore(path, 'batch'), dispose: () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'SharedRecordStore',
    make() {
      const memory = createSharedStoreMemory();
      return { name: 'shared', path: undefined, open: () => new SharedRecordStore(memory), dispose: () => {} };
    },
  },
];

/** Deterministic pseudo-random numbers (mulberry32), so a failing run can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
