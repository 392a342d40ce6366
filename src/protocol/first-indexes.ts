// Where each learner's log starts (after trims), in memory shared by the learners, the log's owner
// and every thread connected through a handle: so `log.bounds()` reads it on any thread without a
// message. A learner publishes at start (what it recovered) and after each trim, BEFORE it
// confirms the trim: a trim() that resolved is visible to a bounds() that follows it.

/** One first index per learner (BigInt64, for Atomics): `learners` slots. */
export function createFirstIndexes(learners: number): SharedArrayBuffer {
  return new SharedArrayBuffer(8 * learners);
}

/** A learner's slot: it publishes where its log now starts. */
export class FirstIndexSlot {
  private readonly indexes: BigInt64Array;

  constructor(
    memory: SharedArrayBuffer,
    private readonly slot: number,
  ) {
    this.indexes = new BigInt64Array(memory);
    if (slot < 0 || slot >= this.indexes.length) throw new RangeError(`learner slot ${slot} is outside the ${this.indexes.length} first indexes`);
  }

  publish(firstIndex: number): void {
    Atomics.store(this.indexes, this.slot, BigInt(firstIndex));
  }
}

/** Every learner's first index, in layout order. */
export function readFirstIndexes(memory: SharedArrayBuffer): number[] {
  const indexes = new BigInt64Array(memory);
  return Array.from({ length: indexes.length }, (_, i) => Number(Atomics.load(indexes, i)));
}
