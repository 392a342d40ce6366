// What a LearnerLog costs in memory per entry: appends N deliveries of 16-byte commands in
// batches of 256 (recorded, then synced, as the learner actor does) and compares the process's
// resident memory (RSS) after the first N/5 and after all N, each after a full GC, in a process
// of its own per store: the growth per entry, without the constants (compiled code, buffers).
//
//   npm run build && node test/storage/measure-learner-log-memory.mjs [entries]
//
// Prints one JSON line per store ('shared': SharedRecordStore, data included, since it lives in
// the shared memory; 'file': FileRecordStore with fsync 'never', whose data is on disk). Plain
// JavaScript over dist/ so that node runs it as it is; learner-log-memory.test.ts runs it too.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BATCH = 256;
const DATA_BYTES = 16;
const CLIENTS = 64;

const [, script, entriesArgument = '1000000', kind] = process.argv;
const entries = Number(entriesArgument);

if (kind === undefined) {
  // Parent: one fresh process per store, so neither measures the other's garbage.
  for (const store of ['shared', 'file']) {
    const child = spawnSync(process.execPath, ['--expose-gc', script ?? fileURLToPath(import.meta.url), String(entries), store], { encoding: 'utf8' });
    if (child.status !== 0) {
      process.stderr.write(child.stderr);
      process.exit(child.status ?? 1);
    }
    process.stdout.write(child.stdout);
  }
} else {
  await measure(kind);
}

async function measure(kind) {
  const { FileRecordStore, LearnerLog, SharedRecordStore, createSharedStoreMemory } = await import(new URL('../../dist/src/storage/index.js', import.meta.url).href);
  const dir = mkdtempSync(join(tmpdir(), 'synod-memory-'));
  try {
    const settled = () => {
      globalThis.gc();
      globalThis.gc();
      const usage = process.memoryUsage();
      return { rss: usage.rss, heapTotal: usage.heapTotal, arrayBuffers: usage.arrayBuffers };
    };
    const store = kind === 'shared' ? new SharedRecordStore(createSharedStoreMemory()) : new FileRecordStore(join(dir, 'learner.log'), 'never');
    const log = new LearnerLog(store);
    // One batch of delivery objects, refilled for every batch: the harness makes no garbage of
    // its own, so what grows is the log (record() copies the data out of them).
    const deliveries = Array.from({ length: BATCH }, (_, i) => ({ slot: 0, indexInBatch: i, logIndex: 0, command: { clientId: 0, seq: 0, data: new Uint8Array(DATA_BYTES) } }));
    const seqs = new Array(CLIENTS).fill(0);
    let logIndex = 0;
    let slot = 0;
    const appendUpTo = (target) => {
      for (; logIndex < target; slot++) {
        const batch = target - logIndex >= BATCH ? deliveries : deliveries.slice(0, target - logIndex);
        for (const delivery of batch) {
          delivery.slot = slot;
          delivery.logIndex = logIndex;
          delivery.command.clientId = logIndex % CLIENTS;
          delivery.command.seq = ++seqs[delivery.command.clientId];
          new DataView(delivery.command.data.buffer).setFloat64(0, logIndex++, true);
        }
        log.record(batch, slot + 1);
        log.sync();
      }
    };
    // The first fifth warms up (compiled code, buffers, the first chunks): constants, not per-entry costs.
    const warmup = Math.floor(entries / 5);
    appendUpTo(warmup);
    const before = settled();
    const started = performance.now();
    appendUpTo(entries);
    const recordMs = performance.now() - started;
    const after = settled();
    // The log must still read back what it was given.
    for (const index of [0, warmup, entries - 1]) {
      const read = log.entry(index);
      if (read.byteLength !== DATA_BYTES || new DataView(read.buffer, read.byteOffset).getFloat64(0, true) !== index) throw new Error(`entry ${index} read back wrong`);
    }
    const measured = entries - warmup;
    const perEntry = (field) => Number(((after[field] - before[field]) / measured).toFixed(2));
    const storeBytes = store.sizeBytes;
    log.trim(entries - 1000);
    const trimmed = settled();
    console.log(
      JSON.stringify({
        store: kind,
        entries,
        measuredEntries: measured,
        rssBytesPerEntry: perEntry('rss'),
        heapTotalBytesPerEntry: perEntry('heapTotal'),
        arrayBuffersBytesPerEntry: perEntry('arrayBuffers'),
        storeBytesPerEntry: Number((storeBytes / entries).toFixed(2)),
        // After trimming all but the last 1000 entries: the JS side is back to (about) nothing.
        arrayBuffersBytesAfterTrim: trimmed.arrayBuffers,
        storeBytesAfterTrim: store.sizeBytes,
        recordNsPerEntry: Math.round((recordMs * 1e6) / measured),
      }),
    );
    log.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
