// Where each entry of a learner's log lies in its RecordStore: the store offset of its data and
// the data's length, 8 bytes an entry in typed arrays, no object per entry. The entries' bytes
// stay in the store; this is all the JS heap holds of them.
//
// The arrays come in chunks of CHUNK_ENTRIES: growing never copies more than one chunk (a log
// of millions of entries does not pause to copy an 8 MiB array), and at most one chunk is
// allocated and unused. The first chunk starts small and doubles up to a full chunk, so a short
// log costs kilobytes.
//
// A chunk keeps its entries' offsets as 32-bit distances from the offset of its first entry (its
// base): a log's entries lie in order in its store, so 65,536 of them span far less than 4 GiB
// unless they are huge. A chunk where one does not fit (entries of 64 KiB and more, or a store
// that placed one below the base) is widened to 64-bit offsets, for good: 12 bytes an entry there.
// Why: with `storage.dir` this index is most of what a log holds in memory per entry, and 64-bit
// offsets made it 12 bytes of the ~17 an entry of 16 bytes cost (bench memory's goal: 16).

const CHUNK_BITS = 16;
const CHUNK_ENTRIES = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_ENTRIES - 1;
const FIRST_CHUNK_ENTRIES = 256;
/** Longest entry an index slot can hold (Uint32Array); a record is far smaller anyway. */
export const ENTRY_BYTES_MAX = 0xffff_ffff;
/** Largest distance from a chunk's base that its 32-bit offsets hold. */
const NARROW_OFFSET_MAX = 0xffff_ffff;
/**
 * Most entries the index holds: positions are split into chunk and slot with 32-bit operations
 * (`>>>`, `&`), exact below 2^32. (8 bytes an entry: 32 GiB at the bound. A log reaches it only
 * by keeping that many entries untrimmed, or by reservations of billions of indexes, each of which
 * is an entry here; LearnerLog refuses a batch that would go past it.)
 */
export const ENTRY_INDEX_POSITIONS_MAX = 2 ** 32;

export class EntryIndex {
  /**
   * Per chunk, the offsets of its entries: a Uint32Array of distances from `bases[chunk]`, or a
   * Float64Array of offsets once widened. An entry pushed and not yet shift()ed holds its offset
   * inside its record there, as is (less than a record's bytes: it fits either).
   */
  private readonly starts: (Uint32Array | Float64Array)[] = [];
  /** Per chunk, the offset its first entry was placed at (NaN until shift() places one). */
  private readonly bases: number[] = [];
  private readonly lengths: Uint32Array[] = [];
  private countValue = 0;

  /** Entries indexed: positions [0, count). */
  get count(): number {
    return this.countValue;
  }

  /** Bytes of the index's arrays (for tests: 8 an entry, 12 in a widened chunk). */
  get arrayBytes(): number {
    let bytes = 0;
    for (let chunk = 0; chunk < this.starts.length; chunk++) bytes += this.starts[chunk]!.byteLength + this.lengths[chunk]!.byteLength;
    return bytes;
  }

  /**
   * Indexes the next entry: `length` bytes at `start`, an offset inside the record being built;
   * shift() then moves it to where the store put the record, and only then may it be read.
   */
  push(start: number, length: number): void {
    const position = this.countValue;
    if (position >= ENTRY_INDEX_POSITIONS_MAX || length > ENTRY_BYTES_MAX || !(start >= 0 && start <= NARROW_OFFSET_MAX)) outOfBounds(position, start, length);
    const chunk = position >>> CHUNK_BITS;
    const at = position & CHUNK_MASK;
    if (chunk === this.starts.length) {
      const entries = chunk === 0 ? FIRST_CHUNK_ENTRIES : CHUNK_ENTRIES;
      this.starts.push(new Uint32Array(entries));
      this.bases.push(Number.NaN);
      this.lengths.push(new Uint32Array(entries));
    } else if (at === this.starts[chunk]!.length) {
      // Only the first chunk is ever short: double it, up to a full chunk.
      const entries = Math.min(CHUNK_ENTRIES, 2 * at);
      const old = this.starts[chunk]!;
      const starts = old instanceof Uint32Array ? new Uint32Array(entries) : new Float64Array(entries);
      starts.set(old);
      this.starts[chunk] = starts;
      const lengths = new Uint32Array(entries);
      lengths.set(this.lengths[chunk]!);
      this.lengths[chunk] = lengths;
    }
    this.starts[chunk]![at] = start;
    this.lengths[chunk]![at] = length;
    this.countValue = position + 1;
  }

  /** Store offset of the data of the entry at `position` (< count, placed by shift()). */
  start(position: number): number {
    const chunk = position >>> CHUNK_BITS;
    const starts = this.starts[chunk]!;
    const stored = starts[position & CHUNK_MASK]!;
    return starts instanceof Uint32Array ? this.bases[chunk]! + stored : stored;
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
   * Places the entries from `from` on, pushed since the last shift() with offsets inside their
   * record, at `delta` plus those offsets: where the store put the record.
   */
  shift(from: number, delta: number): void {
    for (let position = from; position < this.countValue; position++) {
      const chunk = position >>> CHUNK_BITS;
      const at = position & CHUNK_MASK;
      let starts = this.starts[chunk]!;
      const placed = starts[at]! + delta;
      if (starts instanceof Float64Array) {
        starts[at] = placed;
        continue;
      }
      if (at === 0) this.bases[chunk] = placed;
      const distance = placed - this.bases[chunk]!;
      if (distance >= 0 && distance <= NARROW_OFFSET_MAX) {
        starts[at] = distance;
        continue;
      }
      starts = this.widen(chunk, at);
      starts[at] = placed;
    }
  }

  /**
   * Forgets the entries from `count` on (undoes pushes for a record that was not stored). A chunk
   * whose first entry went gets its base anew when the next first entry there is placed.
   */
  truncate(count: number): void {
    if (count < this.countValue) this.countValue = count;
  }

  /** Chunk `chunk` with 64-bit offsets: entries before `placedBelow` placed, the rest still offsets inside their record. */
  private widen(chunk: number, placedBelow: number): Float64Array {
    const narrow = this.starts[chunk] as Uint32Array;
    const base = this.bases[chunk]!;
    const wide = new Float64Array(narrow.length);
    for (let at = 0; at < narrow.length; at++) wide[at] = at < placedBelow ? base + narrow[at]! : narrow[at]!;
    this.starts[chunk] = wide;
    return wide;
  }
}

/**
 * Out of line: with the message built in push() itself, V8 kept push's numbers boxed, and a
 * million pushes made 12 scavenges' worth of garbage (none without it).
 */
function outOfBounds(position: number, start: number, length: number): never {
  if (position >= ENTRY_INDEX_POSITIONS_MAX || length > ENTRY_BYTES_MAX) {
    throw new RangeError(`entry index: entry ${position} of ${length} bytes is past the index's ${ENTRY_INDEX_POSITIONS_MAX} entries of at most ${ENTRY_BYTES_MAX} bytes`);
  }
  throw new RangeError(`entry index: entry ${position} starts at ${start} in its record, outside 0..${NARROW_OFFSET_MAX}`);
}
