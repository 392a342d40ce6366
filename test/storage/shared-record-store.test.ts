import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { SharedRecordStore, createSharedStoreMemory } from 'synod/storage';

const bytes = (...values: number[]) => new Uint8Array(values);

describe('SharedRecordStore', () => {
  it('a successor sees exactly the records synced before', () => {
    const memory = createSharedStoreMemory();
    const first = new SharedRecordStore(memory);
    first.append(bytes(1));
    first.append(bytes(2));
    first.sync();
    first.append(bytes(3)); // never synced: like a write lost in a crash
    expect(new SharedRecordStore(memory).recovered).toEqual([bytes(1), bytes(2)]);
  });

  it('grows past its initial size and compacts into the other half', () => {
    const memory = createSharedStoreMemory();
    const store = new SharedRecordStore(memory);
    const big = new Uint8Array(1000).fill(7);
    for (let i = 0; i < 500; i++) store.append(big);
    store.sync();
    expect(new SharedRecordStore(memory).recovered).toHaveLength(500);
    store.rewrite([bytes(1), bytes(2)]);
    store.append(bytes(3));
    store.sync();
    expect(new SharedRecordStore(memory).recovered).toEqual([bytes(1), bytes(2), bytes(3)]);
    store.rewrite([bytes(4)]); // back into the first half
    expect(new SharedRecordStore(memory).recovered).toEqual([bytes(4)]);
  });

  it('survives the worker thread that wrote it being terminated', async () => {
    const memory = createSharedStoreMemory();
    const writer = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       import(${JSON.stringify(new URL('../../dist/src/storage/index.js', import.meta.url).href)}).then(({ SharedRecordStore }) => {
         const store = new SharedRecordStore(workerData);
         for (let i = 0; i < 1000; i++) { store.append(new Uint8Array([i & 255, i >> 8])); if (i % 10 === 9) store.sync(); }
         parentPort.postMessage('written');
         setInterval(() => {}, 1000); // stay alive until killed
       });`,
      { eval: true, workerData: memory },
    );
    await new Promise((resolve) => writer.once('message', resolve));
    await writer.terminate();
    const recovered = new SharedRecordStore(memory).recovered;
    expect(recovered).toHaveLength(1000);
    expect(recovered[999]).toEqual(bytes(999 & 255, 999 >> 8));
  });
});
