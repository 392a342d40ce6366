// Reads that see every append that resolved before them, whichever learner answers.
//
// An append resolves when one learner (any) acknowledges it, and a read may go to another learner
// that has not delivered that far yet. So each learner publishes, in memory shared by all of them,
// how many entries it has delivered and written, BEFORE it sends the acknowledgements of a batch.
// A count never goes down: a learner restarted with less (a machine crash cut its unsynced tail,
// learner-node.ts) holds reads back until it has learned its acknowledged entries again.
// A learner answering a read first takes the highest of those counts (the barrier): every append
// that resolved before the read was sent is below it (the acknowledgement followed the publish,
// and the read followed the acknowledgement; sequentially consistent atomics carry that order
// across threads). Until the learner has delivered up to the barrier, it holds the read back.

/** One count per learner (BigInt64, for Atomics): `learners` slots. */
export function createDeliveredCounts(learners: number): SharedArrayBuffer {
  return new SharedArrayBuffer(8 * learners);
}

export class ReadBarrier {
  private readonly counts: BigInt64Array;
  private published: number;

  constructor(
    memory: SharedArrayBuffer,
    /** This learner's slot. */
    private readonly slot: number,
  ) {
    this.counts = new BigInt64Array(memory);
    if (slot < 0 || slot >= this.counts.length) throw new RangeError(`learner slot ${slot} is outside the ${this.counts.length} delivered counts`);
    // The memory outlives the learner's incarnations: what an earlier one published stands.
    this.published = Number(Atomics.load(this.counts, slot));
  }

  /** After a write, before acknowledging: everything below `delivered` is in this learner's log. */
  publish(delivered: number): void {
    if (delivered <= this.published) return;
    this.published = delivered;
    Atomics.store(this.counts, this.slot, BigInt(delivered));
  }

  /** The count a read arriving now must wait for: the most any learner has acknowledged. */
  barrier(): number {
    return this.highest();
  }

  /**
   * The most entries any learner has published (what `log.bounds().nextIndex` reads): where a
   * read's reply ends and how far a trim may go. Not overridden by the simulator's broken barrier.
   */
  highest(): number {
    let highest = 0n;
    for (let i = 0; i < this.counts.length; i++) {
      const count = Atomics.load(this.counts, i);
      if (count > highest) highest = count;
    }
    return Number(highest);
  }
}

/** Every learner's published delivered count, in layout order: what status() and bounds() read, from any thread. */
export function readDeliveredCounts(memory: SharedArrayBuffer): number[] {
  const counts = new BigInt64Array(memory);
  return Array.from({ length: counts.length }, (_, i) => Number(Atomics.load(counts, i)));
}
