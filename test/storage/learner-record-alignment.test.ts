// A learner's record in shared memory puts a large entry's bytes at an address aligned like the
// slot value's, by writing count and dataBytes with padded varints: V8 copies into shared memory
// word by word only between alike-aligned addresses. The records must read back the same.
import { describe, expect, it } from 'vitest';
import { LearnerRecordWriter, batchBytesMax, readLearnerRecord, type LearnerRecordSink } from '../../src/storage/learner-record.js';
import { VARINT_BYTES_MAX, VarintReader, varintBytes, writeVarint, writeVarintOfLength } from '../../src/storage/varint.js';

describe('writeVarintOfLength', () => {
  it('writes a number in any length from its shortest to VARINT_BYTES_MAX, read back the same and to the byte', () => {
    const bytes = new Uint8Array(16);
    for (const value of [0, 1, 127, 128, 16_383, 16_384, 65_556, 2 ** 31, 2 ** 53 - 1]) {
      const shortest = writeVarint(bytes, 0, value);
      expect(varintBytes(value)).toBe(shortest);
      for (let length = shortest; length <= VARINT_BYTES_MAX; length++) {
        bytes.fill(0xee);
        expect(writeVarintOfLength(bytes, 2, value, length)).toBe(2 + length);
        const reader = new VarintReader(bytes, 2, 2 + length, 'test');
        expect(reader.varint(), `${value} in ${length} bytes`).toBe(value);
        expect(reader.at).toBe(2 + length);
      }
      expect(() => writeVarintOfLength(bytes, 0, value, shortest - 1)).toThrow(RangeError);
      expect(() => writeVarintOfLength(bytes, 0, value, VARINT_BYTES_MAX + 1)).toThrow(RangeError);
    }
  });
});

describe('a BATCH written into shared memory', () => {
  it('puts each entry of 1 KiB or more at an address aligned like its source, and reads back every command', () => {
    const target = new Uint8Array(new SharedArrayBuffer(1 << 20));
    const writer = new LearnerRecordWriter();
    const backing = new Uint8Array(64 * 1024);
    const sources = Array.from({ length: 24 }, (_, i) => ({ at: i % 8, bytes: i % 3 === 0 ? 100 : 1024 + 37 * i }));
    let payloadAt = 0;
    for (let start = 0; start < 8; start++) {
      payloadAt = 1000 + start; // every alignment of the record itself
      const data = backing.fill(start + 1);
      writer.batchInto(target, payloadAt, 10_000, 5_000);
      const landed: number[] = [];
      for (const [i, source] of sources.entries()) {
        const dataStart = writer.command(2 ** 40 + i, 7 + i, 1, data, source.at, source.bytes);
        landed.push(dataStart);
        if (source.bytes >= 1024) expect((target.byteOffset + payloadAt + dataStart) & 7, `record at ${payloadAt}, entry ${i}`).toBe((data.byteOffset + source.at) & 7);
      }
      const payloadBytes = writer.payloadBytes;
      expect(payloadBytes).toBeLessThanOrEqual(batchBytesMax(sources.length, sources.reduce((sum, source) => sum + source.bytes, 0)));
      const read: unknown[] = [];
      const sink: LearnerRecordSink = {
        batch: (nextSlot, firstLogIndex) => read.push(['batch', nextSlot, firstLogIndex]),
        command: (clientId, seq, count, dataAt, dataBytes) => read.push([clientId, seq, count, dataAt, dataBytes]),
        start: () => expect.fail('no START'),
        session: () => expect.fail('no SESSIONS'),
        entries: () => expect.fail('no ENTRIES'),
        entry: () => expect.fail('no ENTRIES'),
      };
      readLearnerRecord(target.subarray(payloadAt, payloadAt + payloadBytes), sink, 'batch');
      expect(read).toEqual([['batch', 10_000, 5_000], ...sources.map((source, i) => [2 ** 40 + i, 7 + i, 1, landed[i], source.bytes])]);
    }
  });

  it('in a private buffer (a file store) writes the shortest varints', () => {
    const target = new Uint8Array(1 << 16);
    const writer = new LearnerRecordWriter();
    writer.batchInto(target, 3, 1, 0);
    const dataStart = writer.command(1, 1, 1, new Uint8Array(4096), 5, 2048);
    // kind, nextSlot 1, firstLogIndex 0, clientId 1, seq 1, count 1 (1 byte each), dataBytes 2048 (2 bytes)
    expect(dataStart).toBe(1 + 1 + 1 + 1 + 1 + 1 + 2);
  });
});
