import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptLogError, FRAME_HEADER_BYTES, FileRecordStore } from 'synod/storage';
import { seededRandom } from './backends.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'synod-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const bytes = (...values: number[]) => new Uint8Array(values);
/**
 * How many bytes of the file hold records: its length less the hole an open store keeps after
 * them (sparse-tail.ts), which reads as zeros (the records here end in a non-zero byte).
 */
function writtenBytes(path: string): number {
  const content = readFileSync(path);
  let end = content.byteLength;
  while (end > 0 && content[end - 1] === 0) end--;
  return end;
}

describe('FileRecordStore', () => {
  it('gives back every synced record after reopening, in order', () => {
    const path = join(dir, 'a.log');
    const store = new FileRecordStore(path, 'batch');
    expect(store.recovered).toEqual([]);
    store.append(bytes(1));
    store.append(bytes(2, 2));
    store.sync();
    store.append(bytes(3, 3, 3));
    store.close();
    expect(new FileRecordStore(path, 'batch').recovered).toEqual([bytes(1), bytes(2, 2), bytes(3, 3, 3)]);
  });

  it("writes nothing before sync() in 'batch' mode, and each record at once in 'always' mode", () => {
    const batch = new FileRecordStore(join(dir, 'batch.log'), 'batch');
    batch.append(bytes(1, 2, 3));
    expect(writtenBytes(join(dir, 'batch.log'))).toBe(0);
    batch.sync();
    expect(writtenBytes(join(dir, 'batch.log'))).toBe(FRAME_HEADER_BYTES + 3);
    const always = new FileRecordStore(join(dir, 'always.log'), 'always');
    always.append(bytes(1, 2, 3));
    expect(writtenBytes(join(dir, 'always.log'))).toBe(FRAME_HEADER_BYTES + 3);
  });

  it('flush() writes what was appended into the file (a reopen finds it), and reads still see every record', () => {
    const path = join(dir, 'flushed.log');
    const store = new FileRecordStore(path, 'batch');
    store.append(bytes(1));
    const second = store.append(bytes(2, 2));
    expect(writtenBytes(path)).toBe(0);
    store.flush();
    expect(writtenBytes(path)).toBe(2 * FRAME_HEADER_BYTES + 3);
    expect(store.read(second, 2)).toEqual(bytes(2, 2));
    // Another opening of the file, as after this process was killed: the kernel has the bytes.
    expect(new FileRecordStore(path, 'batch').recovered).toEqual([bytes(1), bytes(2, 2)]);
    const third = store.append(bytes(3, 3, 3));
    store.flush();
    store.flush(); // nothing new: nothing written twice
    expect(writtenBytes(path)).toBe(3 * FRAME_HEADER_BYTES + 6);
    expect(store.read(third, 3)).toEqual(bytes(3, 3, 3));
    store.sync();
    store.close();
    expect(new FileRecordStore(path, 'batch').recovered).toEqual([bytes(1), bytes(2, 2), bytes(3, 3, 3)]);
  });

  it('cuts off a torn tail (a write cut short) and keeps everything before it', () => {
    const path = join(dir, 'torn.log');
    const store = new FileRecordStore(path, 'always');
    store.append(bytes(1, 1));
    store.append(bytes(2, 2));
    store.close();
    const whole = readFileSync(path);
    writeFileSync(path, whole.subarray(0, whole.byteLength - 1)); // last frame loses a byte
    const reopened = new FileRecordStore(path, 'always');
    expect(reopened.recovered).toEqual([bytes(1, 1)]);
    expect(statSync(path).size).toBe(FRAME_HEADER_BYTES + 2);
    reopened.append(bytes(9));
    reopened.close();
    expect(new FileRecordStore(path, 'always').recovered).toEqual([bytes(1, 1), bytes(9)]);
  });

  it('treats garbage after the last frame as a torn tail', () => {
    const path = join(dir, 'garbage.log');
    const store = new FileRecordStore(path, 'always');
    store.append(bytes(5));
    store.close();
    appendFileSync(path, Buffer.from([0xff, 0x00, 0x00, 0x00, 1, 2, 3]));
    expect(new FileRecordStore(path, 'always').recovered).toEqual([bytes(5)]);
  });

  it('refuses a file damaged in the middle, naming the file and the offset', () => {
    const path = join(dir, 'corrupt.log');
    const store = new FileRecordStore(path, 'always');
    for (let i = 0; i < 5; i++) store.append(bytes(i, i, i, i));
    store.close();
    const content = readFileSync(path);
    const frameBytes = FRAME_HEADER_BYTES + 4;
    const damagedAt = 2 * frameBytes + FRAME_HEADER_BYTES + 1; // a payload byte of the third record
    content[damagedAt] = content[damagedAt]! ^ 0x40;
    writeFileSync(path, content);
    const open = () => new FileRecordStore(path, 'always');
    expect(open).toThrow(CorruptLogError);
    expect(open).toThrow(new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} at byte offset ${2 * frameBytes}`));
    // and the file is left as it was, for inspection
    expect(readFileSync(path)).toEqual(content);
  });

  it('rewrites atomically: the new content replaces the old whole', () => {
    const path = join(dir, 'rewrite.log');
    const store = new FileRecordStore(path, 'batch');
    for (let i = 0; i < 100; i++) store.append(bytes(i));
    store.sync();
    store.rewrite([bytes(7), bytes(8)]);
    store.append(bytes(9));
    store.close();
    expect(new FileRecordStore(path, 'batch').recovered).toEqual([bytes(7), bytes(8), bytes(9)]);
  });

  it('rejects an unknown fsync mode', () => {
    expect(() => new FileRecordStore(join(dir, 'x.log'), 'sometimes' as never)).toThrow(/fsync must be one of always, batch, never/);
  });
});

describe('FileRecordStore over more than its read window', () => {
  /** Records of assorted sizes, one far larger than the 256 KiB window, ~1.5 MiB in all. */
  const random = seededRandom(7);
  const records = Array.from({ length: 300 }, (_, i) => new Uint8Array(i === 150 ? 600 * 1024 : Math.floor(random() * 6000)).fill(i & 255));
  // Byte-wise comparison of large arrays (toEqual walks them element by element, slowly).
  const same = (a: Uint8Array, b: Uint8Array | undefined) => b !== undefined && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);

  it('opens, visits and reads back records that straddle window boundaries', () => {
    const path = join(dir, 'big.log');
    const store = new FileRecordStore(path, 'never');
    const offsets = records.map((record) => store.append(record));
    store.close();
    const reopened = new FileRecordStore(path, 'never');
    expect(reopened.recoveredCount).toBe(300);
    const visited: number[] = [];
    let mismatches = 0;
    reopened.forEachRecord((payload, offset) => {
      if (!same(payload, records[visited.length])) mismatches++;
      visited.push(offset);
    });
    expect(mismatches).toBe(0);
    expect(visited).toEqual(offsets);
    expect(same(reopened.read(offsets[150]!, 600 * 1024), records[150])).toBe(true);
    expect(reopened.recovered.every((record, i) => same(record, records[i]))).toBe(true);
  });

  it('still tells a torn tail from damage far into the file', () => {
    const path = join(dir, 'damaged.log');
    const store = new FileRecordStore(path, 'never');
    const offsets = records.map((record) => store.append(record));
    store.close();
    const whole = readFileSync(path);
    writeFileSync(path, whole.subarray(0, whole.byteLength - 10)); // torn: the last record goes
    expect(new FileRecordStore(path, 'never').recoveredCount).toBe(299);
    const content = readFileSync(path);
    const damagedFrame = offsets[200]! - FRAME_HEADER_BYTES;
    content[offsets[200]!] = content[offsets[200]!]! ^ 1;
    writeFileSync(path, content);
    expect(() => new FileRecordStore(path, 'never')).toThrow(new RegExp(`at byte offset ${damagedFrame}: checksum mismatch`));
  });
});
