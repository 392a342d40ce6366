// One thread of the disk-sync baseline (disk-sync.ts): appends a block to a file of its own and
// fdatasyncs it, again and again, as an acceptor's file store does at each commit point; reports
// how long each fdatasync took.
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { arriveAndAwaitStart } from '../lib/start-barrier.js';
import type { ResultMessage } from '../lib/worker-group.js';

export interface DiskSyncWorkerData {
  readonly dir: string;
  readonly syncs: number;
  readonly blockBytes: number;
  readonly startBarrier: SharedArrayBuffer;
}

const data = workerData as DiskSyncWorkerData;
const fd = openSync(join(data.dir, `sync-${threadId}`), 'w');
const block = new Uint8Array(data.blockBytes).fill(0x5a);
const syncMicroseconds: number[] = [];
try {
  arriveAndAwaitStart(data.startBarrier);
  for (let i = 0; i < data.syncs; i++) {
    writeSync(fd, block, 0, block.byteLength, i * block.byteLength);
    const start = performance.now();
    fdatasyncSync(fd);
    syncMicroseconds.push((performance.now() - start) * 1000);
  }
} finally {
  closeSync(fd);
}
parentPort!.postMessage({ type: 'result', result: syncMicroseconds } satisfies ResultMessage<number[]>);
