import { RING_HEADER_BYTES, RING_HEAD_INDEX, RING_SLAB_HOLDS_INDEX, RING_SLAB_RELEASED_INDEX } from './layout.js';

/**
 * How far a holding receiver's released position may fall behind its head before it must let go
 * of everything it keeps (copy it out), at most.
 */
export const SLAB_HOLD_LAG_BYTES_MAX = 2 ** 29;
/**
 * The largest ring whose receiver may hold slab values; a receiver of a larger one copies them
 * (Inbox.addLink). The sender compares ring positions modulo 2^32, exact while a record it tracks
 * ends within 2^31 bytes of the released position. Its records end at most a capacity past the
 * head; the head moves at most a capacity between two releases (a receiver drains each link once
 * per pass and releases after it: ActorHost), past a lag release() checked. So a capacity C allows
 * a lag of 2^31 - 2C (less a margin): none at the largest ring (2^30).
 */
export const SLAB_HOLD_RING_BYTES_MAX = 2 ** 29;
// At the largest ring that holds, the lag bound must still be positive and within the comparison.
if (2 * SLAB_HOLD_RING_BYTES_MAX + SLAB_HOLD_LAG_BYTES_MAX >= 2 ** 31) throw new Error('synod: a slab hold on the largest holding ring could outrun the ring positions');

/** The lag bound for a ring of `capacityBytes` (at most SLAB_HOLD_RING_BYTES_MAX). */
export function slabHoldLagBytesMax(capacityBytes: number): number {
  return Math.min(SLAB_HOLD_LAG_BYTES_MAX, 2 ** 31 - 2 * capacityBytes - 8);
}

/**
 * The receiving end of one ring whose receiver keeps values of the sender's value slab past the
 * records that carried them (value-slab.ts): a learner keeps an Accept's value as a view of the
 * leader's slab until the slot is chosen and written to its log, instead of a copy out of it.
 *
 * The receiver publishes a released position (layout.ts: slabReleased, with slabHolds set): the
 * lowest ring position of a record whose slab values it still keeps, or its head when it keeps
 * none; the sender frees slab bytes only behind it. The position is only ever set to at most the
 * head of that moment, so a record consumed later is covered without a store: keeping a value is
 * free, letting go (release()) publishes.
 *
 * Each kept record carries a key (the learner's: the slot it holds a value for); release(below)
 * lets go of the records whose key is below. A record kept under a key no higher than an earlier
 * kept record's is not noted: the earlier one, which starts before it and is let go no sooner,
 * already holds the released position below it. So the records noted rise in start and in key, and
 * letting go drops a prefix (a learner's Accepts come in slot order: each is noted; an Accept sent
 * again for an earlier slot is not). A receiver that keeps something long
 * (a slot that is never chosen while traffic goes on) must let go before the lag passes
 * SLAB_HOLD_LAG_BYTES_MAX: release() says when (it returns false), and the receiver then copies
 * what it keeps and calls releaseAll().
 */
export class SlabHold {
  private readonly words: Int32Array;
  /** Ring position (start) and key of each record noted, oldest first, in [front, back): keys increasing. */
  private readonly starts: number[] = [];
  private readonly keys: number[] = [];
  private front = 0;
  private back = 0;
  private ended = false;

  private readonly lagBytesMax: number;

  constructor(ringSab: SharedArrayBuffer, lagBytesMax?: number) {
    const capacityBytes = ringSab.byteLength - RING_HEADER_BYTES;
    if (capacityBytes > SLAB_HOLD_RING_BYTES_MAX) {
      throw new RangeError(`a ring of ${capacityBytes} bytes is too large to hold slab values on (at most ${SLAB_HOLD_RING_BYTES_MAX})`);
    }
    const bound = slabHoldLagBytesMax(capacityBytes);
    this.lagBytesMax = lagBytesMax ?? bound;
    if (!(this.lagBytesMax > 0 && this.lagBytesMax <= bound)) {
      throw new RangeError(`a slab hold's lag bound on a ring of ${capacityBytes} bytes is in (0, ${bound}] bytes, got ${lagBytesMax}`);
    }
    this.words = new Int32Array(ringSab, 0, RING_SLAB_HOLDS_INDEX + 1);
    // Released first, then the flag: a sender that sees the flag reads a position no later than
    // the head (an earlier incarnation's may be older still: it only keeps more).
    Atomics.store(this.words, RING_SLAB_RELEASED_INDEX, Atomics.load(this.words, RING_HEAD_INDEX));
    Atomics.store(this.words, RING_SLAB_HOLDS_INDEX, 1);
  }

  /** Records noted as kept (for tests and counters). */
  get kept(): number {
    return this.back - this.front;
  }

  /** The published released position. */
  get released(): number {
    return Atomics.load(this.words, RING_SLAB_RELEASED_INDEX);
  }

  /**
   * Keeps the slab values of the record that started at ring position `recordStart` (consumed
   * since the last release(): the released position is still at or below it) until release() is
   * called with a key above `key`.
   */
  keep(recordStart: number, key: number): void {
    if (this.ended || (this.back > this.front && this.keys[this.back - 1]! >= key)) return;
    this.starts[this.back] = recordStart;
    this.keys[this.back] = key;
    this.back++;
  }

  /**
   * Lets go of the records kept with a key below `belowKey` and publishes the released position.
   * False if what is still kept lags the head by more than the bound: the receiver must copy out
   * everything it keeps and call releaseAll().
   */
  release(belowKey: number): boolean {
    if (this.ended) return true;
    while (this.front < this.back && this.keys[this.front]! < belowKey) this.front++;
    const head = Atomics.load(this.words, RING_HEAD_INDEX);
    if (this.front === this.back) {
      // Indexes move, the arrays keep their room: no allocation per release once they are grown.
      this.front = this.back = 0;
      Atomics.store(this.words, RING_SLAB_RELEASED_INDEX, head);
      return true;
    }
    if (this.front >= 1024 && this.front * 2 >= this.back) {
      this.starts.copyWithin(0, this.front, this.back);
      this.keys.copyWithin(0, this.front, this.back);
      this.back -= this.front;
      this.front = 0;
    }
    const oldest = this.starts[this.front]!;
    Atomics.store(this.words, RING_SLAB_RELEASED_INDEX, oldest);
    return ((head - oldest) | 0) <= this.lagBytesMax;
  }

  /** Lets go of everything (the receiver copied out what it kept). */
  releaseAll(): void {
    this.release(Number.POSITIVE_INFINITY);
  }

  /**
   * The receiver goes (its link is removed): it keeps nothing from now on, so its head is the
   * released position. The flag stays: clearing it could race with the receiver's next
   * incarnation on another thread, which sets it before it keeps anything; a head written late
   * is at most that incarnation's starting head, below all it keeps.
   */
  end(): void {
    this.ended = true;
    this.front = this.back = 0;
    Atomics.store(this.words, RING_SLAB_RELEASED_INDEX, Atomics.load(this.words, RING_HEAD_INDEX));
  }
}
