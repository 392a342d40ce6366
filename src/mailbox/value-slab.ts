import { copyRange } from './copy-range.js';
import { RING_HEAD_INDEX, RING_SLAB_HOLDS_INDEX, RING_SLAB_RELEASED_INDEX } from './layout.js';

/**
 * A sending actor's value slab: shared memory where a large binary field (an entry's bytes) is
 * written once, and every record that carries it holds a reference to it instead of its bytes.
 *
 * Why: a leader sends each Accept to every acceptor and learner, one ring each, so its value was
 * copied into four rings (one encode, three copies of the record): three of the five copies of
 * an entry's bytes the leader made. Through the slab it is copied once, and each ring gets a
 * reference of VALUE_REF_BYTES; the receivers read the bytes from the slab where they read them
 * from their ring before (a view while in place, a copy otherwise).
 *
 * Reclamation: a reference is live until the receiver has consumed the record that carries it,
 * which its ring's head tells (a receiver releases a record only after it has decoded it, or
 * after handling it in place); or, on a ring whose receiver keeps values past their records (a
 * learner keeps an Accept's value as a view of the slab until its slot is chosen and written to
 * its log: slab-hold.ts), until the receiver's released position passes the record. The writer notes, per ring, the ring position after each record
 * with references and the lowest slab position it references; bytes below the oldest such
 * position still unconsumed on any ring are free. A value that finds no room (receivers behind)
 * goes in the record as before: a full slab slows nothing down beyond the copies it saves.
 *
 * One writer per slab, for the slab's life: an actor that restarts (another incarnation, perhaps
 * on another thread) finds the slab claimed and sends its values inline. Its predecessor's
 * references may still wait in rings for a receiver that restarts later, and they stay valid
 * because nobody writes the slab again; a new writer, which could not know those references,
 * could overwrite their bytes.
 *
 * Layout: word 0 is the writer's claim (0 free, 1 taken); the data area starts at
 * VALUE_SLAB_HEADER_BYTES. A reference is msgpack fixext 8 of type VALUE_REF_EXT_TYPE: the
 * offset in the data area and the length, each a big-endian uint32 (still msgpack any decoder
 * reads, as an extension it does not know).
 */
export const VALUE_SLAB_HEADER_BYTES = 64;
/** Binary fields at least this long go by reference where the link has a slab: below it, the reference and its bookkeeping cost about what the copies do. */
export const VALUE_REF_MIN_BYTES = 1024;
/** The msgpack extension type of a reference ('v'). */
export const VALUE_REF_EXT_TYPE = 0x76;
/** A reference's bytes: fixext 8 (token, type, 8 bytes of data). */
export const VALUE_REF_BYTES = 10;
/** The default data area: twice a default ring (1 MiB), page-backed, so untouched pages cost nothing. */
export const VALUE_SLAB_BYTES_DEFAULT = 2 << 20;
export const VALUE_SLAB_BYTES_MIN = 4096;
/** Offsets and lengths are uint32 in a reference. */
export const VALUE_SLAB_BYTES_MAX = 2 ** 31;
// Every offset and length in the largest slab must fit a reference's uint32 fields (checked at the bound by test/mailbox/value-slab.test.ts).
if (VALUE_SLAB_BYTES_MAX > 2 ** 32) throw new Error('synod: a value slab larger than a reference can address');

/** Allocates a value slab of `dataBytes` (a multiple of 8). Page-backed: the OS gives pages as they are first written. */
export function createValueSlab(dataBytes: number = VALUE_SLAB_BYTES_DEFAULT): SharedArrayBuffer {
  if (!Number.isInteger(dataBytes) || dataBytes < VALUE_SLAB_BYTES_MIN || dataBytes > VALUE_SLAB_BYTES_MAX || dataBytes % 8 !== 0) {
    throw new RangeError(`a value slab holds a multiple of 8 bytes from ${VALUE_SLAB_BYTES_MIN} to ${VALUE_SLAB_BYTES_MAX}, got ${dataBytes}`);
  }
  const bytes = VALUE_SLAB_HEADER_BYTES + dataBytes;
  return new SharedArrayBuffer(bytes, { maxByteLength: bytes });
}

/** The data area of a slab, as a receiver reads references from it. */
export function valueSlabData(sab: SharedArrayBuffer): Uint8Array {
  return new Uint8Array(sab, VALUE_SLAB_HEADER_BYTES, sab.byteLength - VALUE_SLAB_HEADER_BYTES);
}

/**
 * One ring a writer's references travel on: the unconsumed records that carry them, as the lowest
 * slab position each references. Records are consumed in ring order but need not reference the
 * slab in order (a retransmitted Accept references a value placed before the records ahead of
 * it), so this is a minimum queue: a record is dropped from the back when a later one references
 * no more than it does, since the later one is consumed after it and keeps at least as much; the
 * front is then the lowest position any unconsumed record references.
 */
export class SlabLink {
  /** Ring position after each kept record (Int32, wrapping as the ring's own), oldest first, in [front, back). */
  private readonly ends: number[] = [];
  /** The lowest slab position each kept record references: increasing from front to back. */
  private readonly starts: number[] = [];
  private front = 0;
  private back = 0;

  /** Its Outbox was replaced or dropped: forgotten once nothing it carried is unconsumed. */
  retired = false;

  constructor(private readonly ringWords: Int32Array) {}

  /** Records kept as not known consumed (for tests). */
  get pending(): number {
    return this.back - this.front;
  }

  add(ringEnd: number, slabStart: number): void {
    this.forgetConsumed();
    while (this.back > this.front && this.starts[this.back - 1]! >= slabStart) this.back--;
    // Indexes move, the arrays keep their room: no allocation per record once they are grown.
    this.ends[this.back] = ringEnd;
    this.starts[this.back] = slabStart;
    this.back++;
  }

  /** The lowest slab position still referenced from this ring, or Infinity. */
  oldestLive(): number {
    this.forgetConsumed();
    return this.back > this.front ? this.starts[this.front]! : Number.POSITIVE_INFINITY;
  }

  /**
   * Drops the records the receiver has released: those its ring's head passed, or on a ring whose
   * receiver holds values (slabHolds), those its released position passed (never ahead of head).
   * Positions wrap at 2^32: compared as the ring compares them, exact while a kept record is within
   * 2^31 bytes of that position, so the Outbox calls this after every record it writes on the ring
   * (a ring of small messages must not carry an old record past that distance, where it would look
   * unconsumed and hold the slab for good), and a holding receiver lets go of what it keeps before
   * its released position falls SLAB_HOLD_LAG_BYTES_MAX behind its head (slab-hold.ts).
   */
  forgetConsumed(): void {
    if (this.back === this.front) return;
    const words = this.ringWords;
    const released = Atomics.load(words, RING_SLAB_HOLDS_INDEX) !== 0 ? Atomics.load(words, RING_SLAB_RELEASED_INDEX) : Atomics.load(words, RING_HEAD_INDEX);
    while (this.front < this.back && ((released - this.ends[this.front]!) | 0) >= 0) this.front++;
    if (this.front === this.back) {
      this.front = this.back = 0;
    } else if (this.front >= 1024 && this.front * 2 >= this.back) {
      this.ends.copyWithin(0, this.front, this.back);
      this.starts.copyWithin(0, this.front, this.back);
      this.back -= this.front;
      this.front = 0;
    }
  }
}

/**
 * A participant's claim on the writing end of its own slab (an actor's, an endpoint's): made at
 * the first outgoing link that carries the slab (every link carries the same one), once. Its
 * writer is undefined before that, and for good where an earlier incarnation or connection
 * claimed the slab first (its sends then go inline).
 */
export class SlabClaim {
  private claimed = false;
  private claimedWriter: ValueSlabWriter | undefined = undefined;

  /** `ownerViews`: set on the writer once claimed (ValueSlabWriter.ownerViews). */
  constructor(private readonly ownerViews?: (visit: (view: Uint8Array) => void) => void) {}

  get writer(): ValueSlabWriter | undefined {
    return this.claimedWriter;
  }

  /** The writer of `slab`, claimed now if this is the first link to carry it; none for a link without one. */
  writerOf(slab: SharedArrayBuffer | undefined): ValueSlabWriter | undefined {
    if (slab === undefined) return undefined;
    if (!this.claimed) {
      this.claimed = true;
      this.claimedWriter = ValueSlabWriter.claim(slab);
      if (this.claimedWriter !== undefined && this.ownerViews !== undefined) this.claimedWriter.ownerViews = this.ownerViews;
    }
    return this.claimedWriter;
  }
}

/** How many placements a writer remembers by identity: a fan-out and a resend of the same value find it placed. */
const PLACED_REMEMBERED = 8;

/**
 * The writing end of a slab (one per sending actor). Positions are free-running byte counts (a
 * JavaScript number, exact to 2^53), a position's offset in the data area is it modulo the
 * capacity; a value never wraps (the writer skips to the start instead).
 */
export class ValueSlabWriter {
  readonly data: Uint8Array;
  readonly capacityBytes: number;
  private writePosition = 0;
  /** Everything below this position may have been written over. */
  private freeBelow = 0;
  /** The lowest position referenced by the record being written (since the last endRecord()): live even before its record is committed. */
  private recordStart = Number.POSITIVE_INFINITY;
  private links: SlabLink[] = [];
  private readonly placedValues: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(PLACED_REMEMBERED).fill(undefined);
  private readonly placedPositions: number[] = new Array<number>(PLACED_REMEMBERED).fill(0);
  private nextPlaced = 0;
  /** Values written into the slab, and those sent inline for want of room in it (for tests and counters). */
  placements = 0;
  refusals = 0;
  /** Copies the owner keeps in the slab (keep()), and those it had to keep elsewhere. */
  keeps = 0;
  keepRefusals = 0;
  /**
   * Visits every view of this slab from keep() that the owner still reads (set by an owner that
   * keeps any): what it visits is not written over. Called when the writer looks for room.
   */
  ownerViews: ((visit: (view: Uint8Array) => void) => void) | undefined = undefined;
  /** The lowest position of the views the owner visited during this reclaim. */
  private ownerOldest = Number.POSITIVE_INFINITY;
  private readonly visitOwnerView = (view: Uint8Array): void => {
    if (view.buffer !== this.data.buffer) return;
    const position = this.positionOfKept(view);
    if (position < this.ownerOldest) this.ownerOldest = position;
  };

  private constructor(sab: SharedArrayBuffer) {
    this.data = valueSlabData(sab);
    this.capacityBytes = this.data.byteLength;
  }

  /** The slab's one writer, or undefined if it had one before (an earlier incarnation of its actor): then send values inline. */
  static claim(sab: SharedArrayBuffer): ValueSlabWriter | undefined {
    const words = new Int32Array(sab, 0, 1);
    return Atomics.compareExchange(words, 0, 0, 1) === 0 ? new ValueSlabWriter(sab) : undefined;
  }

  /**
   * The bookkeeping of one Outbox's ring. An Outbox that is replaced (its peer's links handed over
   * again: the same ring, perhaps another SharedArrayBuffer object for it) or dropped must
   * retire() it; it is kept until what it carried is consumed.
   */
  link(ringSab: SharedArrayBuffer): SlabLink {
    const link = new SlabLink(new Int32Array(ringSab, 0, RING_SLAB_HOLDS_INDEX + 1));
    this.links = [...this.liveLinks(), link];
    return link;
  }

  /** The links but the retired ones whose references were all consumed. */
  private liveLinks(): SlabLink[] {
    return this.links.filter((link) => !link.retired || link.oldestLive() !== Number.POSITIVE_INFINITY);
  }

  /** Links kept (for tests): retired ones go once their references are consumed. */
  get linkCount(): number {
    return this.links.length;
  }

  /**
   * A record is written (committed() on its link) or given up: what place() referenced for it is
   * live only through its link from now on. Until then, the record being written holds it (a
   * send that throws leaves it held until the next record ends: more kept, never less).
   */
  endRecord(): void {
    this.recordStart = Number.POSITIVE_INFINITY;
  }

  /** The lowest position the record being written references (Infinity: none). */
  get recordReferencesFrom(): number {
    return this.recordStart;
  }

  /**
   * Whether what was placed from `position` on is still there. A record copied to another link
   * (a fan-out) is only as good as its references: a message sent again after its other links
   * consumed it may find its bytes written over.
   */
  intactFrom(position: number): boolean {
    return position >= this.freeBelow;
  }

  /** The record was published on `link`'s ring, ending at ring position `ringEnd`, referencing the slab from `slabStart`. */
  committed(link: SlabLink, ringEnd: number, slabStart: number): void {
    if (slabStart !== Number.POSITIVE_INFINITY) link.add(ringEnd, slabStart);
  }

  /**
   * The offset in the data area where `value` is (written now, still there from an earlier
   * placement of this very array, or a view of this slab that its owner keeps: keep()), or -1 if
   * it does not fit: send it inline.
   */
  place(value: Uint8Array): number {
    if (value.buffer === this.data.buffer) return this.reference(this.positionOfKept(value));
    const remembered = this.findPlaced(value);
    if (remembered >= 0) return this.reference(remembered);
    const position = this.allocate(value.length, value.byteOffset, this.capacityBytes);
    if (position < 0) {
      this.refusals++;
      return -1;
    }
    copyRange(value, 0, value.length, this.data, position % this.capacityBytes);
    this.writePosition = position + value.length;
    this.placements++;
    this.placedValues[this.nextPlaced] = value;
    this.placedPositions[this.nextPlaced] = position;
    this.nextPlaced = (this.nextPlaced + 1) % PLACED_REMEMBERED;
    return this.reference(position);
  }

  /**
   * A copy of `bytes` in the slab for the owner to keep (a proposer's queued client commands,
   * copied out of the ring they came on), or undefined where that would fill more than half the
   * slab: keep a copy elsewhere. A record that sends the view, or any view within it, references
   * it where it lies (place()): the bytes are copied once on their way from the ring to every
   * receiver. The view stays as written for as long as ownerViews visits it, and after that for as
   * long as a record references it; the owner must visit every view of the slab it still reads.
   */
  keep(bytes: Uint8Array): Uint8Array | undefined {
    // At most half: values placed for records (those the owner does not keep) still find room.
    const view = this.reserve(bytes.length, this.capacityBytes / 2, bytes.byteOffset);
    if (view !== undefined) copyRange(bytes, 0, bytes.length, view, 0);
    return view;
  }

  /**
   * `length` bytes of the slab for the owner to write into and keep, as keep() keeps a copy (the
   * same rules: visited by ownerViews while the owner reads or writes them, referenced where they
   * lie by a record that sends them), or undefined where the live bytes would pass `liveBytesMax`.
   * Placed at `alignWith`'s address modulo 8 (a view's byteOffset the bytes will be copied from;
   * 0: 8-aligned). A client writes its commands here as it batches them, so a batch goes to the
   * proposer by reference: its entries copied once on the client's thread, not twice.
   */
  reserve(length: number, liveBytesMax: number = this.capacityBytes / 2, alignWith = 0): Uint8Array | undefined {
    if (!Number.isInteger(length) || length < 0) throw new RangeError(`a slab reservation is a whole number of bytes, got ${length}`);
    const position = this.allocate(length, alignWith, liveBytesMax);
    if (position < 0) {
      this.keepRefusals++;
      return undefined;
    }
    const offset = position % this.capacityBytes;
    this.writePosition = position + length;
    this.keeps++;
    return this.data.subarray(offset, offset + length);
  }

  /**
   * Where `length` bytes copied from an address of `alignWith` modulo 8 go, with at most
   * `liveBytesMax` live bytes after them (reclaiming first if need be), or -1. Co-aligned with the
   * source (the data area starts 8-aligned, the capacity is a multiple of 8): V8 copies shared
   * memory word by word only then.
   */
  private allocate(length: number, alignWith: number, liveBytesMax: number): number {
    const capacity = this.capacityBytes;
    if (length > capacity / 2) return -1;
    let position = this.writePosition + ((alignWith - this.writePosition) & 7);
    const offset = position % capacity;
    if (offset + length > capacity) position += capacity - offset + (alignWith & 7);
    if (position + length - this.freeBelow > liveBytesMax) {
      this.reclaim();
      if (position + length - this.freeBelow > liveBytesMax) return -1;
    }
    return position;
  }

  /**
   * The position of a view of this slab's data area: live bytes lie within one capacity from
   * freeBelow, so its offset names one position there. A view outside the live bytes was let go
   * and may have been written over: its owner failed to visit it (a bug), so this throws.
   */
  private positionOfKept(view: Uint8Array): number {
    const capacity = this.capacityBytes;
    const offset = view.byteOffset - this.data.byteOffset;
    const position = this.freeBelow + ((((offset - (this.freeBelow % capacity)) % capacity) + capacity) % capacity);
    if (position + view.length > this.writePosition) {
      throw new Error(`a view of the value slab at offset ${offset} (${view.length} bytes) lies outside its live bytes: it was let go while still read`);
    }
    return position;
  }

  /** Bytes between the oldest live reference and the write position (for tests). */
  get liveBytes(): number {
    this.reclaim();
    return this.writePosition - this.freeBelow;
  }

  private reference(position: number): number {
    if (position < this.recordStart) this.recordStart = position;
    return position % this.capacityBytes;
  }

  /** A placement of `value` still intact (not below freeBelow), or -1. */
  private findPlaced(value: Uint8Array): number {
    for (let i = 0; i < PLACED_REMEMBERED; i++) {
      if (this.placedValues[i] === value) {
        const position = this.placedPositions[i]!;
        if (position >= this.freeBelow) return position;
        this.placedValues[i] = undefined;
      }
    }
    return -1;
  }

  /** Frees what no ring references any more and the owner no longer keeps: below the oldest live reference on any link (and the record being written), and the oldest view the owner visits. */
  private reclaim(): void {
    let oldest = Math.min(this.writePosition, this.recordStart);
    if (this.ownerViews !== undefined) {
      this.ownerOldest = Number.POSITIVE_INFINITY;
      this.ownerViews(this.visitOwnerView);
      if (this.ownerOldest < oldest) oldest = this.ownerOldest;
    }
    const links = this.links;
    let retiredDone = false;
    for (let i = 0; i < links.length; i++) {
      const live = links[i]!.oldestLive();
      if (live < oldest) oldest = live;
      else if (live === Number.POSITIVE_INFINITY && links[i]!.retired) retiredDone = true;
    }
    if (retiredDone) this.links = this.liveLinks();
    if (oldest > this.freeBelow) this.freeBelow = oldest;
  }
}
