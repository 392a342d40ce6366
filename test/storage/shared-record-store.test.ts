import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES, SharedRecordStore, UNCHECKED_FRAME_CHECKSUM, createSharedStoreMemory } from 'synod/storage';

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

  // Its commit word is its only crash boundary, so its frames carry no checksum: a CRC per record
  // was four passes over every entry (each acceptor and the learner) for nothing a crash can do.
  it('seals its frames, appended and rewritten, without a checksum, and opens them by their lengths', () => {
    const memory = createSharedStoreMemory();
    const store = new SharedRecordStore(memory);
    const payloads = [new Uint8Array(100).fill(1), bytes(), new Uint8Array(5000).fill(2)];
    const checksumWords = (half: 0 | 1): number[] => {
      const words: number[] = [];
      const view = new DataView(memory.halves[half]);
      for (let offset = 0, i = 0; i < payloads.length; i++) {
        expect(view.getUint32(offset, true)).toBe(payloads[i]!.byteLength);
        words.push(view.getUint32(offset + 4, true));
        offset += FRAME_HEADER_BYTES + payloads[i]!.byteLength;
      }
      return words;
    };
    for (const payload of payloads) store.append(payload);
    store.sync();
    expect(checksumWords(0)).toEqual([UNCHECKED_FRAME_CHECKSUM, UNCHECKED_FRAME_CHECKSUM, UNCHECKED_FRAME_CHECKSUM]);
    expect(new SharedRecordStore(memory).recovered).toEqual(payloads);
    store.rewrite(payloads);
    expect(checksumWords(1)).toEqual([UNCHECKED_FRAME_CHECKSUM, UNCHECKED_FRAME_CHECKSUM, UNCHECKED_FRAME_CHECKSUM]);
    expect(new SharedRecordStore(memory).recovered).toEqual(payloads);
  });

  it('refuses to open frames that do not end at its commit point (a bug, since no crash makes them)', () => {
    const memory = createSharedStoreMemory();
    const store = new SharedRecordStore(memory);
    store.append(new Uint8Array(10));
    store.append(new Uint8Array(10));
    store.sync();
    new DataView(memory.halves[0]).setUint32(0, 11, true); // the first length, one too long
    expect(() => new SharedRecordStore(memory)).toThrow(/shared record store damaged below its commit point: trusted frames do not end at byte 36/);
    new DataView(memory.halves[0]).setUint32(0, 2 ** 31, true); // a length past any frame's bound
    expect(() => new SharedRecordStore(memory)).toThrow(/damaged below its commit point/);
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
