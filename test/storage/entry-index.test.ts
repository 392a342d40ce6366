// A learner's index of where its entries lie: 8 bytes an entry (32-bit offsets from each chunk's
// first entry), widened to 64-bit offsets in a chunk whose entries do not fit that, and every
// offset read back exact either way. Entries are pushed at offsets inside their record and placed
// when the store says where the record went (shift).
import { describe, expect, it } from 'vitest';
import { EntryIndex } from '../../src/storage/entry-index.js';

const CHUNK_ENTRIES = 1 << 16;

/** Pushes `lengths` as one record (entries back to back, from offset 0 in it) and places it at `recordAt`. */
function record(index: EntryIndex, recordAt: number, lengths: readonly number[]): void {
  const first = index.count;
  let at = 0;
  for (const length of lengths) {
    index.push(at, length);
    at += length;
  }
  index.shift(first, recordAt);
}

describe('the entry index', () => {
  it('holds entries in 8 bytes each, offsets exact across chunks', () => {
    const index = new EntryIndex();
    const expected: [number, number][] = [];
    let storeAt = 1000;
    // Records of 100 entries of 0-30 bytes (0: a reserved index), 5 chunks' worth in all.
    while (index.count < 5 * CHUNK_ENTRIES) {
      const lengths = Array.from({ length: 100 }, (_, i) => (index.count + i) % 31);
      let at = storeAt + 16; // a record's header before its entries
      for (const length of lengths) {
        expected.push([at, length]);
        at += length;
      }
      record(index, storeAt + 16, lengths);
      storeAt = at;
    }
    for (let position = 0; position < expected.length; position += 97) {
      expect([index.start(position), index.length(position), index.end(position)]).toEqual([expected[position]![0], expected[position]![1], expected[position]![0] + expected[position]![1]]);
    }
    const last = expected.length - 1;
    expect(index.start(last)).toBe(expected[last]![0]);
    // 5 full chunks and the part of a sixth: 8 bytes an entry.
    expect(index.arrayBytes).toBe(6 * CHUNK_ENTRIES * 8);
  });

  it('widens a chunk whose entries span more than 32 bits from its first, and reads every offset exact', () => {
    const index = new EntryIndex();
    // Entries 2^31 bytes apart (a store past 4 GiB within one chunk), and past 2^32 from the start.
    const at = (i: number): number => 7 + i * 2 ** 31;
    for (let i = 0; i < 300; i++) record(index, at(i), [5]);
    for (let i = 0; i < 300; i++) expect(index.start(i)).toBe(at(i));
    expect(index.end(299)).toBe(at(299) + 5);
    // The first chunk (512 entries after doubling) widened: 8 bytes of offset and 4 of length each.
    expect(index.arrayBytes).toBe(512 * 12);
    // At the bound: an entry 2^32 - 1 bytes past the chunk's first stays in 32 bits, one more widens.
    const edge = new EntryIndex();
    record(edge, 2 ** 40, [1]);
    record(edge, 2 ** 40 + 0xffff_ffff, [1]);
    expect([edge.start(0), edge.start(1), edge.arrayBytes]).toEqual([2 ** 40, 2 ** 40 + 0xffff_ffff, 256 * 8]);
    record(edge, 2 ** 40 + 2 ** 32, [1]);
    expect([edge.start(1), edge.start(2), edge.arrayBytes]).toEqual([2 ** 40 + 0xffff_ffff, 2 ** 40 + 2 ** 32, 256 * 12]);
    // A store that places a record below the chunk's first entry (its base) widens it too.
    const below = new EntryIndex();
    record(below, 5000, [10, 10]);
    record(below, 100, [3]);
    expect([below.start(0), below.start(1), below.start(2)]).toEqual([5000, 5010, 100]);
    // Widened in the middle of placing a record: its later entries are still offsets inside it.
    const midway = new EntryIndex();
    record(midway, 5000, [10]);
    record(midway, 100, [3, 4, 5]);
    expect([1, 2, 3].map((position) => midway.start(position))).toEqual([100, 103, 107]);
  });

  it("reads exact after a record across a chunk boundary was taken back (truncate) and the next one placed far away", () => {
    const index = new EntryIndex();
    record(index, 0, Array.from({ length: CHUNK_ENTRIES - 1 }, () => 1));
    // A record across the chunk boundary that the store did not take: its entries go.
    const first = index.count;
    for (let i = 0; i < 10; i++) index.push(i, 1);
    index.truncate(first);
    expect(index.count).toBe(CHUNK_ENTRIES - 1);
    // The next record lands far away: the second chunk's base is its first entry, not the one taken back.
    const far = 3 * 2 ** 32;
    record(index, far, [1, 2, 3]);
    expect([index.start(CHUNK_ENTRIES - 1), index.start(CHUNK_ENTRIES), index.start(CHUNK_ENTRIES + 1)]).toEqual([far, far + 1, far + 3]);
    expect(index.start(CHUNK_ENTRIES - 2)).toBe(CHUNK_ENTRIES - 2);
  });

  it('refuses an entry past its bounds, with the offending value', () => {
    const index = new EntryIndex();
    expect(() => index.push(0, 2 ** 32)).toThrow(RangeError);
    expect(() => index.push(2 ** 32, 1)).toThrow(/starts at 4294967296/);
    expect(index.count).toBe(0);
  });
});
