// The floor under a log with storage.dir: how long this machine's disk takes to make an append
// durable, one writer alone and one per acceptor at once. An acceptor with a file (fsync 'batch')
// fdatasyncs once per commit point, and a round of a closed loop waits for a majority of those
// syncs on top of everything a log in memory does: the file / memory ratio at 256 in flight is
// about (memory round) / (memory round + sync). Measured on this project's 2-core VM (2026-12-05):
// a 4 KiB append's fdatasync took 0.10-0.16 ms alone and 0.3-0.4 ms with three at once (the
// virtual disk serves concurrent flushes mostly one after another), while a round of the memory
// log at 16 B x 256 took about 0.5 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from '../lib/stats.js';
import { runWorkerGroup } from '../lib/worker-group.js';
import type { DiskSyncWorkerData } from './disk-sync-worker.js';

const DISK_SYNC_WORKER = new URL('./disk-sync-worker.js', import.meta.url);

export interface DiskSyncFigures {
  /** p50 of an fdatasync after a block appended, one writer alone, in microseconds. */
  readonly aloneP50Microseconds: number;
  /** The same with `concurrency` writers syncing files of their own at once (all their syncs together). */
  readonly concurrentP50Microseconds: number;
  readonly concurrency: number;
}

/** Block appended before each sync: about what an acceptor writes per commit point at 16 B x 256 in flight. */
export const DISK_SYNC_BLOCK_BYTES = 4096;
const SYNCS_MAX = 100_000;
const CONCURRENCY_MAX = 64;

/**
 * Measures fdatasync latency in a fresh directory under `parentDir` (the one file storage uses:
 * the OS temp dir), removed afterwards: `syncs` appends of a block, each synced, by one thread,
 * then by `concurrency` threads at once, each with a file of its own.
 */
export async function measureDiskSync(concurrency: number, syncs: number, parentDir: string = tmpdir()): Promise<DiskSyncFigures> {
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > CONCURRENCY_MAX) {
    throw new RangeError(`concurrency must be an integer from 1 to ${CONCURRENCY_MAX}, got ${concurrency}`);
  }
  if (!Number.isInteger(syncs) || syncs < 1 || syncs > SYNCS_MAX) throw new RangeError(`syncs must be an integer from 1 to ${SYNCS_MAX}, got ${syncs}`);
  const dir = mkdtempSync(join(parentDir, 'synod-bench-sync-'));
  try {
    const p50Of = async (threads: number): Promise<number> => {
      const data: Omit<DiskSyncWorkerData, 'startBarrier'> = { dir, syncs, blockBytes: DISK_SYNC_BLOCK_BYTES };
      const results = await runWorkerGroup<number[]>(
        Array.from({ length: threads }, () => ({ entry: DISK_SYNC_WORKER, data })),
        // A healthy disk syncs in well under a millisecond; a stalled one gets a minute.
        60_000 + syncs * 100,
      );
      return median(results.flat());
    };
    const aloneP50Microseconds = await p50Of(1);
    const concurrentP50Microseconds = await p50Of(concurrency);
    return { aloneP50Microseconds, concurrentP50Microseconds, concurrency };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
