// The ACCEPTED record's head is written by hand (src/storage/accepted-record-head.ts) so that a
// slot's value is copied into the store once; the record must stay the msgpack that replay and
// older builds read. Checked byte for byte against msgpackr at every encoding's bounds.
import { Packr, Unpackr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { ACCEPTED_RECORD_HEAD_BYTES_MAX, ACCEPTED_RECORD_HEAD_PADDED_BYTES_MAX, acceptedRecordHead, acceptedRecordHeadOfLength } from '../../src/storage/accepted-record-head.js';
import { DurableAcceptorStorage, FileRecordStore, SharedRecordStore, createSharedStoreMemory } from '../../src/storage/index.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ACCEPTED = 1;
// Both sides of every msgpack integer form: fixint, uint8, uint16, uint32, float64 (above 2^32).
const NUMBERS = [0, 1, 127, 128, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1];
// Both sides of every bin header: bin8, bin16, bin32.
const VALUE_BYTES = [0, 1, 255, 256, 65_535, 65_536, 70_001];

function record(slot: number, ballot: number, value: Uint8Array): Uint8Array {
  const head = acceptedRecordHead(ACCEPTED, slot, ballot, value.byteLength);
  const bytes = new Uint8Array(head.byteLength + value.byteLength);
  bytes.set(head);
  bytes.set(value, head.byteLength);
  return bytes;
}

describe('acceptedRecordHead', () => {
  it('writes the bytes msgpackr writes for [ACCEPTED, slot, ballot, value], at every bound', () => {
    const packr = new Packr({ useRecords: false });
    const unpackr = new Unpackr({ useRecords: false });
    const values = VALUE_BYTES.map((bytes) => Uint8Array.from({ length: bytes }, (_, i) => i * 7));
    let checked = 0;
    for (const slot of NUMBERS) {
      for (const ballot of NUMBERS) {
        for (const value of values) {
          const ours = record(slot, ballot, value);
          const what = `slot ${slot}, ballot ${ballot}, ${value.byteLength} B`;
          expect(ours.byteLength - value.byteLength, what).toBeLessThanOrEqual(ACCEPTED_RECORD_HEAD_BYTES_MAX);
          if (!Buffer.from(ours).equals(packr.pack([ACCEPTED, slot, ballot, value]))) expect.fail(`${what}: not msgpackr's bytes`);
          const [tag, decodedSlot, decodedBallot, decodedValue] = unpackr.unpack(ours) as [number, number, number, Uint8Array];
          if (tag !== ACCEPTED || decodedSlot !== slot || decodedBallot !== ballot || !Buffer.from(decodedValue).equals(value)) expect.fail(`${what}: decodes to other fields`);
          checked++;
        }
      }
    }
    expect(checked).toBe(NUMBERS.length * NUMBERS.length * VALUE_BYTES.length);
  });

  it('stores records an acceptor replays: every entry back, at the largest slot and ballot', () => {
    const memory = createSharedStoreMemory();
    const storage = new DurableAcceptorStorage(new SharedRecordStore(memory));
    const entries = VALUE_BYTES.map((bytes, i) => ({ slot: i === 0 ? 2 ** 53 - 1 : i, ballot: 2 ** 53 - 1 - i, value: new Uint8Array(bytes).fill(i + 1) }));
    for (const entry of entries) storage.saveAccepted(entry);
    storage.sync();
    const replayed = new DurableAcceptorStorage(new SharedRecordStore(memory)).load();
    expect(replayed.entries).toEqual([...entries].sort((a, b) => a.slot - b.slot));
  });

  it('writes a head of any length modulo 8 in wider forms that msgpackr reads as the same fields, unless slot and ballot both pass 2^32', () => {
    const unpackr = new Unpackr({ useRecords: false });
    let written = 0;
    for (const slot of NUMBERS) {
      for (const ballot of NUMBERS) {
        for (const valueBytes of VALUE_BYTES) {
          const value = Uint8Array.from({ length: valueBytes }, (_, i) => i * 3);
          for (let lengthMod8 = 0; lengthMod8 < 8; lengthMod8++) {
            const what = `slot ${slot}, ballot ${ballot}, ${valueBytes} B, length ${lengthMod8} mod 8`;
            const head = acceptedRecordHeadOfLength(ACCEPTED, slot, ballot, valueBytes, lengthMod8);
            if (head === undefined) {
              // Only two float64s leave no freedom but the array header and the tag: 2 of 8 lengths out.
              expect(slot > 2 ** 32 - 1 && ballot > 2 ** 32 - 1, what).toBe(true);
              continue;
            }
            expect(head.byteLength % 8, what).toBe(lengthMod8);
            expect(head.byteLength, what).toBeLessThanOrEqual(ACCEPTED_RECORD_HEAD_PADDED_BYTES_MAX);
            const bytes = new Uint8Array(head.byteLength + valueBytes);
            bytes.set(head);
            bytes.set(value, head.byteLength);
            const [tag, decodedSlot, decodedBallot, decodedValue] = unpackr.unpack(bytes) as [number, number, number, Uint8Array];
            if (tag !== ACCEPTED || decodedSlot !== slot || decodedBallot !== ballot || !Buffer.from(decodedValue).equals(value)) expect.fail(`${what}: decodes to other fields`);
            written++;
          }
        }
      }
    }
    expect(written).toBeGreaterThan(NUMBERS.length * NUMBERS.length * VALUE_BYTES.length * 7);
  });

  it('in shared memory, puts a value of 1 KiB or more at an address aligned like its own, and replays every entry', () => {
    const memory = createSharedStoreMemory();
    const store = new SharedRecordStore(memory);
    const storage = new DurableAcceptorStorage(store);
    const backing = new Uint8Array(8 * 5000);
    const entries = [];
    // Every value alignment, against every store position a short record before it leaves.
    for (let i = 0; i < 64; i++) {
      storage.saveAccepted({ slot: 2 * i, ballot: 65_537, value: new Uint8Array((i % 8) + 1).fill(i) }); // short: shortest forms
      const value = backing.subarray(i % 8, (i % 8) + 2000 + i).fill(i + 1);
      const before = store.sizeBytes;
      storage.saveAccepted({ slot: 2 * i + 1, ballot: 65_537, value });
      // Where the value landed: the record's payload ends with it.
      const valueAt = store.sizeBytes - value.byteLength;
      expect(valueAt > before, `entry ${i}`).toBe(true);
      expect(valueAt & 7, `entry ${i}`).toBe(value.byteOffset & 7);
      entries.push({ slot: 2 * i + 1, ballot: 65_537, value: value.slice() });
    }
    storage.sync();
    const replayed = new DurableAcceptorStorage(new SharedRecordStore(memory)).load();
    expect(replayed.entries.filter((entry) => entry.slot % 2 === 1)).toEqual(entries);
    expect(replayed.entries).toHaveLength(128);
  });

  it('in a file, keeps the shortest forms: the bytes msgpackr writes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synod-head-'));
    try {
      const path = join(dir, 'acceptor.log');
      const storage = new DurableAcceptorStorage(new FileRecordStore(path, 'never'));
      const value = new Uint8Array(new ArrayBuffer(4000), 3, 3000).fill(9);
      storage.saveAccepted({ slot: 70_000, ballot: 65_537, value });
      storage.sync();
      storage.close();
      expect(Buffer.from(readFileSync(path)).includes(Buffer.from(record(70_000, 65_537, value)))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
