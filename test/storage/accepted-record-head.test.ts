// The ACCEPTED record's head is written by hand (src/storage/accepted-record-head.ts) so that a
// slot's value is copied into the store once; the record must stay the msgpack that replay and
// older builds read. Checked byte for byte against msgpackr at every encoding's bounds.
import { Packr, Unpackr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { ACCEPTED_RECORD_HEAD_BYTES_MAX, acceptedRecordHead } from '../../src/storage/accepted-record-head.js';
import { DurableAcceptorStorage, SharedRecordStore, createSharedStoreMemory } from '../../src/storage/index.js';

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
});
