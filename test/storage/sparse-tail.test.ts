import { closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES, FileRecordStore, SPARSE_TAIL_BYTES, SparseTail } from 'synod/storage';

// A file store keeps its file's length ahead of its records (a hole), so fdatasync has no new
// length to commit: the hole must never read back as records, must go at close, and a crash that
// leaves it must open as the records before it.

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'synod-sparse-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const record = (value: number, length: number) => new Uint8Array(length).fill(value);
const frameBytes = (payloadBytes: number) => FRAME_HEADER_BYTES + payloadBytes;

describe('the hole after a file store\'s records', () => {
  it("is there while the store is open ('batch', 'always'), not for 'never', and close() cuts it off", () => {
    for (const fsync of ['batch', 'always', 'never'] as const) {
      const path = join(dir, `${fsync}.log`);
      const store = new FileRecordStore(path, fsync);
      store.append(record(1, 100));
      store.sync();
      expect(statSync(path).size, fsync).toBe(fsync === 'never' ? frameBytes(100) : frameBytes(100) + SPARSE_TAIL_BYTES);
      store.append(record(2, 50));
      store.sync();
      // Within the hole: the length stays where the first write set it.
      expect(statSync(path).size, fsync).toBe(fsync === 'never' ? frameBytes(100) + frameBytes(50) : frameBytes(100) + SPARSE_TAIL_BYTES);
      expect(store.sizeBytes).toBe(frameBytes(100) + frameBytes(50));
      const visited: number[] = [];
      store.forEachRecord((payload) => visited.push(payload.byteLength));
      expect(visited, fsync).toEqual([100, 50]);
      store.close();
      expect(statSync(path).size, fsync).toBe(frameBytes(100) + frameBytes(50));
      expect(new FileRecordStore(path, fsync).recovered, fsync).toEqual([record(1, 100), record(2, 50)]);
    }
  });

  it('grows again past its end: records larger than the hole, and many small ones', () => {
    const path = join(dir, 'grows.log');
    const store = new FileRecordStore(path, 'batch');
    const big = SPARSE_TAIL_BYTES + 1000;
    store.append(record(3, 10));
    store.sync();
    store.append(record(4, big)); // past the hole's end: the length moves to its end plus a hole
    store.sync();
    expect(statSync(path).size).toBe(frameBytes(10) + frameBytes(big) + SPARSE_TAIL_BYTES);
    let expected = frameBytes(10) + frameBytes(big);
    for (let i = 0; i < 600; i++) {
      store.append(record(i % 250 + 1, 10_000));
      expected += frameBytes(10_000);
      if (i % 7 === 0) store.sync();
    }
    store.sync();
    expect(statSync(path).size).toBeGreaterThanOrEqual(expected);
    expect(statSync(path).size).toBeLessThanOrEqual(expected + SPARSE_TAIL_BYTES);
    store.close();
    expect(statSync(path).size).toBe(expected);
    const reopened = new FileRecordStore(path, 'batch');
    expect(reopened.recoveredCount).toBe(602);
    // Compared as buffers: a deep equality of 4 MiB element by element takes the test seconds.
    expect(Buffer.compare(reopened.recovered[1]!, record(4, big))).toBe(0);
    expect(reopened.recovered[601]).toEqual(record(599 % 250 + 1, 10_000));
    reopened.close();
  });

  it('left by a crash (the file as it is while open), opens as the records before it, and is cut off', () => {
    const path = join(dir, 'crash.log');
    const store = new FileRecordStore(path, 'batch');
    for (let i = 0; i < 20; i++) store.append(record(i + 1, 300));
    store.sync();
    // What a crash leaves: the length with its hole (the store is not closed).
    const crashed = join(dir, 'crashed.log');
    copyFileSync(path, crashed);
    expect(statSync(crashed).size).toBe(20 * frameBytes(300) + SPARSE_TAIL_BYTES);
    const reopened = new FileRecordStore(crashed, 'batch');
    expect(reopened.recoveredCount).toBe(20);
    expect(reopened.recovered[19]).toEqual(record(20, 300));
    expect(statSync(crashed).size).toBe(20 * frameBytes(300));
    reopened.append(record(99, 5));
    reopened.close();
    expect(new FileRecordStore(crashed, 'batch').recovered.slice(-2)).toEqual([record(20, 300), record(99, 5)]);
    store.close();
  });

  it('after a torn write into it (a frame cut short, then zeros), opens as the whole records', () => {
    const path = join(dir, 'torn.log');
    const store = new FileRecordStore(path, 'batch');
    store.append(record(7, 64));
    store.append(record(8, 64));
    store.sync();
    const crashed = join(dir, 'torn-crashed.log');
    copyFileSync(path, crashed);
    // Half of a third frame landed in the hole before the crash.
    const content = readFileSync(crashed);
    const third = Buffer.alloc(frameBytes(64));
    third.writeUInt32LE(64, 0);
    third.fill(9, FRAME_HEADER_BYTES);
    third.copy(content, 2 * frameBytes(64), 0, frameBytes(64) / 2);
    writeFileSync(crashed, content);
    const reopened = new FileRecordStore(crashed, 'batch');
    expect(reopened.recovered).toEqual([record(7, 64), record(8, 64)]);
    expect(statSync(crashed).size).toBe(2 * frameBytes(64));
    reopened.close();
    store.close();
  });

  it('a rewrite starts a new file, which gets its own hole, cut off at close', () => {
    const path = join(dir, 'rewrite.log');
    const store = new FileRecordStore(path, 'batch');
    for (let i = 0; i < 10; i++) store.append(record(i + 1, 1000));
    store.sync();
    store.rewrite([record(42, 10)]);
    expect(statSync(path).size).toBe(frameBytes(10));
    store.append(record(43, 20));
    store.sync();
    expect(statSync(path).size).toBe(frameBytes(10) + frameBytes(20) + SPARSE_TAIL_BYTES);
    store.close();
    expect(statSync(path).size).toBe(frameBytes(10) + frameBytes(20));
    expect(new FileRecordStore(path, 'batch').recovered).toEqual([record(42, 10), record(43, 20)]);
  });

  it('a file that refuses a new length is written as before, with no error', () => {
    // ftruncate on a descriptor opened read-only fails (EINVAL or EBADF), as one past a file
    // size limit would (EFBIG): the write itself then extends the file.
    const path = join(dir, 'refused.log');
    writeFileSync(path, '');
    const fd = openSync(path, 'r');
    try {
      const tail = new SparseTail(fd, 0);
      tail.cover(100);
      expect(tail.fileLengthBytes).toBe(100);
      tail.cover(50);
      expect(tail.fileLengthBytes).toBe(100);
      tail.cover(200); // no second try
      expect(tail.fileLengthBytes).toBe(200);
      tail.cut(10);
      expect(statSync(path).size).toBe(0);
    } finally {
      closeSync(fd);
    }
    const writable = openSync(path, 'r+');
    try {
      const tail = new SparseTail(writable, 0);
      tail.cover(100);
      expect(tail.fileLengthBytes).toBe(100 + SPARSE_TAIL_BYTES);
      expect(statSync(path).size).toBe(100 + SPARSE_TAIL_BYTES);
      tail.cut(30);
      expect([tail.fileLengthBytes, statSync(path).size]).toEqual([30, 30]);
      const none = new SparseTail(writable, 30, 0);
      none.cover(80);
      expect([none.fileLengthBytes, statSync(path).size]).toEqual([80, 30]);
    } finally {
      closeSync(writable);
    }
  });
});
