import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES, FileRecordStore, KEPT_VALUE_MIN_BYTES, sealFrame, sealFrameWithTail } from 'synod/storage';
import { seededRandom } from './backends.js';

// A file store's appendKeeping() writes a long value from the caller's own array at the next
// flush instead of copying it first (pending-writes.ts). The frames must be byte for byte what
// append() makes, readable while pending, in order between other records, and intact after a
// reopen, however the appends interleave.

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'synod-pending-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const filled = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (seed * 31 + i * 7) & 0xff);
const joined = (head: Uint8Array, tail: Uint8Array) => {
  const whole = new Uint8Array(head.byteLength + tail.byteLength);
  whole.set(head);
  whole.set(tail, head.byteLength);
  return whole;
};

describe('a frame sealed with its tail elsewhere', () => {
  it('has the checksum of the same frame sealed in one piece', () => {
    const head = filled(13, 1);
    const tail = filled(KEPT_VALUE_MIN_BYTES + 5, 2);
    const whole = new Uint8Array(FRAME_HEADER_BYTES + head.byteLength + tail.byteLength);
    whole.set(joined(head, tail), FRAME_HEADER_BYTES);
    sealFrame(whole, 0, head.byteLength + tail.byteLength);
    const split = new Uint8Array(FRAME_HEADER_BYTES + head.byteLength);
    split.set(head, FRAME_HEADER_BYTES);
    expect(sealFrameWithTail(split, 0, head.byteLength, tail)).toBe(split.byteLength);
    expect(split.subarray(0, FRAME_HEADER_BYTES)).toEqual(whole.subarray(0, FRAME_HEADER_BYTES));
  });
});

describe('FileRecordStore.appendKeeping', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`interleaved with append, reserve and flushes reads back as the records appended (seed ${seed})`, () => {
      const random = seededRandom(seed);
      const path = join(dir, `mixed-${seed}.log`);
      let store = new FileRecordStore(path, 'batch');
      const records: Uint8Array[] = [];
      const offsets: number[] = [];
      for (let step = 0; step < 300; step++) {
        const choice = random();
        const head = filled(1 + Math.floor(random() * 40), step);
        const tailBytes = random() < 0.5 ? Math.floor(random() * 200) : KEPT_VALUE_MIN_BYTES + Math.floor(random() * 70_000) - 2000;
        const tail = filled(tailBytes, step + 1000);
        if (choice < 0.45) {
          offsets.push(store.appendKeeping(head, tail));
          records.push(joined(head, tail));
        } else if (choice < 0.7) {
          offsets.push(store.append(head, tail));
          records.push(joined(head, tail));
        } else if (choice < 0.85) {
          const record = joined(head, tail);
          const at = store.reserve(record.byteLength + 10);
          store.reservedTarget.set(record, at);
          offsets.push(store.appendReserved(record.byteLength));
          records.push(record);
        } else if (choice < 0.92) {
          store.flush();
        } else {
          store.sync();
        }
        if (step % 37 === 0) {
          // Reads while records are pending, kept values among them: each record where append said.
          for (let i = Math.max(0, records.length - 5); i < records.length; i++) {
            expect(Buffer.compare(store.read(offsets[i]!, records[i]!.byteLength), records[i]!), `record ${i}`).toBe(0);
          }
          const seen: Uint8Array[] = [];
          store.forEachRecord((payload) => seen.push(payload.slice()));
          expect(seen.length).toBe(records.length);
          for (let i = 0; i < records.length; i++) expect(Buffer.compare(seen[i]!, records[i]!), `visited ${i}`).toBe(0);
        }
      }
      const expectedBytes = records.reduce((sum, record) => sum + FRAME_HEADER_BYTES + record.byteLength, 0);
      expect(store.sizeBytes).toBe(expectedBytes);
      store.close();
      store = new FileRecordStore(path, 'batch');
      expect(store.recoveredCount).toBe(records.length);
      const recovered = store.recovered;
      for (let i = 0; i < records.length; i++) expect(Buffer.compare(recovered[i]!, records[i]!), `recovered ${i}`).toBe(0);
      store.close();
    });
  }

  it('writes the value as it is at the flush, and copies a short one at once', () => {
    const path = join(dir, 'timing.log');
    const store = new FileRecordStore(path, 'batch');
    const long = filled(KEPT_VALUE_MIN_BYTES, 3);
    const short = filled(KEPT_VALUE_MIN_BYTES - 1, 4);
    store.appendKeeping(filled(4, 5), long);
    store.appendKeeping(filled(4, 6), short);
    short.fill(0); // copied at the call: the record keeps the bytes it had
    store.sync();
    long.fill(9); // written at the sync: later changes are the caller's own
    store.close();
    expect(new FileRecordStore(path, 'batch').recovered).toEqual([joined(filled(4, 5), filled(KEPT_VALUE_MIN_BYTES, 3)), joined(filled(4, 6), filled(KEPT_VALUE_MIN_BYTES - 1, 4))]);
  });

  it('writes more kept values in one flush than one writev takes', () => {
    const path = join(dir, 'many.log');
    const store = new FileRecordStore(path, 'batch');
    const count = 1100; // 2,200 pieces: heads between the values
    for (let i = 0; i < count; i++) store.appendKeeping(filled(3, i), filled(KEPT_VALUE_MIN_BYTES, i));
    store.sync();
    store.close();
    const reopened = new FileRecordStore(path, 'batch');
    expect(reopened.recoveredCount).toBe(count);
    expect(Buffer.compare(reopened.recovered[count - 1]!, joined(filled(3, count - 1), filled(KEPT_VALUE_MIN_BYTES, count - 1)))).toBe(0);
    reopened.close();
  });

  it("with fsync 'always', is written and synced as it is appended", () => {
    const path = join(dir, 'always.log');
    const store = new FileRecordStore(path, 'always');
    store.appendKeeping(filled(2, 1), filled(KEPT_VALUE_MIN_BYTES, 2));
    // Another opening of the file, as after this process was killed: the record is there.
    expect(new FileRecordStore(path, 'always').recovered).toEqual([joined(filled(2, 1), filled(KEPT_VALUE_MIN_BYTES, 2))]);
    store.close();
  });

  it.runIf(existsSync('/dev/full'))('a write the disk refuses leaves every pending record as it was, and is tried again', () => {
    // /dev/full refuses every write with ENOSPC, as a full disk does.
    const store = new FileRecordStore('/dev/full', 'batch');
    const first = joined(filled(10, 1), filled(KEPT_VALUE_MIN_BYTES + 3, 2));
    const at = store.appendKeeping(filled(10, 1), filled(KEPT_VALUE_MIN_BYTES + 3, 2));
    store.append(filled(20, 3));
    const size = store.sizeBytes;
    expect(() => store.flush()).toThrow(expect.objectContaining({ code: 'ENOSPC' }) as Error);
    expect(store.sizeBytes).toBe(size);
    expect(store.read(at, first.byteLength)).toEqual(first);
    expect(() => store.flush()).toThrow(expect.objectContaining({ code: 'ENOSPC' }) as Error);
    expect(() => store.close()).toThrow(expect.objectContaining({ code: 'ENOSPC' }) as Error);
  });
});
