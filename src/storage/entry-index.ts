// Where each entry of a learner's log lies in its RecordStore: the store offset of its data and
// the data's length, 12 bytes an entry in typed arrays, no object per entry. The entries' bytes
// stay in the store; this is all the JS heap holds of them.
//
// The arrays come in chunks of CHUNK_ENTRIES: growing never copies more than one chunk (a log
// of millions of entries does not pause to copy a 12 MiB array), and at most one chunk is
// allocated and unused. The first chunk starts small and doubles up to a full chunk, so a short
// log costs kilobytes.

const CHUNK_BITS = 16;
const CHUNK_ENTRIES = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_ENTRIES - 1;
const FIRST_CHUNK_ENTRIES = 256;
/** Longest entry an index slot can hold (Uint32Array); a record is far smaller anyway. */
export const ENTRY_BYTES_MAX = 0xffff_ffff;
/**
 * Most entries the index holds: positions are split into chunk and slot with 32-bit operations
 * (`>>>`, `&`), exact below 2^32. (12 bytes an entry: 48 GiB at the bound. A log reaches it only
 * by keeping that many entries untrimmed, or by reservations of billions of indexes, each of which
 * is an entry here; LearnerLog refuses a batch that would go past it.)
 */
export const ENTRY_INDEX_POSITIONS_MAX = 2 ** 32;

export class EntryIndex {
  private readonly starts: Float64Array[] = [];
  private readonly lengths: Uint32Array[] = [];
  private countValue = 0;

  /** Entries indexed: positions [0, count). */
  get count(): number {
    return this.countValue;
  }

  /** Indexes the next entry: `length` bytes at store offset `start`. */
  push(start: number, length: number): void {
    const position = this.countValue;
    if (position >= ENTRY_INDEX_POSITIONS_MAX || length > ENTRY_BYTES_MAX) {
      throw new RangeError(`entry index: entry ${position} of ${length} bytes is past the index's ${ENTRY_INDEX_POSITIONS_MAX} entries of at most ${ENTRY_BYTES_MAX} bytes`);
    }
    const chunk = position >>> CHUNK_BITS;
    const at = position & CHUNK_MASK;
    if (chunk === this.starts.length) {
      const entries = chunk === 0 ? FIRST_CHUNK_ENTRIES : CHUNK_ENTRIES;
      this.starts.push(new Float64Array(entries));
      this.lengths.push(new Uint32Array(entries));
    } else if (at === this.starts[chunk]!.length) {
      // Only the first chunk is ever short: double it, up to a full chunk.
      const entries = Math.min(CHUNK_ENTRIES, 2 * at);
      const starts = new Float64Array(entries);
      starts.set(this.starts[chunk]!);
      this.starts[chunk] = starts;
      const lengths = new Uint32Array(entries);
      lengths.set(this.lengths[chunk]!);
      this.lengths[chunk] = lengths;
    }
    this.starts[chunk]![at] = start;
    this.lengths[chunk]![at] = length;
    this.countValue = position + 1;
  }

  /** Store offset of the data of the entry at `position` (< count). */
  start(position: number): number {
    return this.starts[position >>> CHUNK_BITS]![position & CHUNK_MASK]!;
  }

  /** Data bytes of the entry at `position` (< count). */
  length(position: number): number {
    return this.lengths[position >>> CHUNK_BITS]![position & CHUNK_MASK]!;
  }

  /** Store offset just after the data of the entry at `position` (< count). */
  end(position: number): number {
    return this.start(position) + this.length(position);
  }

  /**
   * Adds `delta` to the start of every entry from `from` on. Entries are pushed with offsets
   * inside the record being built, then moved to where the store put the record.
   */
  shift(from: number, delta: number): void {
    for (let position = from; position < this.countValue; position++) {
      const starts = this.starts[position >>> CHUNK_BITS]!;
      starts[position & CHUNK_MASK] = starts[position & CHUNK_MASK]! + delta;
    }
  }

  /** Forgets the entries from `count` on (undoes pushes for a record that was not stored). */
  truncate(count: number): void {
    if (count < this.countValue) this.countValue = count;
  }
}
