import {
  RECORD_ALIGNMENT_BYTES,
  RECORD_HEADER_BYTES,
  RECORD_PAD_SHIFT,
  RECORD_TYPE_MASK,
  RECORD_TYPE_PADDING,
  RING_CAPACITY_BYTES_DEFAULT,
  RING_CAPACITY_BYTES_MAX,
  RING_CAPACITY_BYTES_MIN,
  RING_HEADER_BYTES,
  RING_HEAD_INDEX,
  RING_PRODUCER_PARKED_INDEX,
  RING_TAIL_INDEX,
  maxPayloadBytes,
  recordBytes,
} from './layout.js';
import { MessageTooLargeError } from './errors.js';

/**
 * A lock-free single-producer single-consumer ring of variable-length records over a
 * SharedArrayBuffer (layout in layout.ts). Exactly one thread may hold the RingProducer
 * and exactly one the RingConsumer of a ring; that is the whole contract, and what makes
 * it wait-free: each side writes only its own position word.
 *
 * Guarantees: records come out in the order they were committed, each exactly once;
 * a full ring refuses a write (never overwrites); a record is never split at the wrap.
 */

export interface CreateRingOptions {
  /**
   * Take the memory straight from the OS (mmap) rather than from malloc, so that it goes back to
   * the OS when the ring is collected; for rings that come and go (the links of endpoints of
   * connected threads). A plain SharedArrayBuffer of 1 MiB is calloc'd: once glibc has freed one
   * such block, it raises its mmap threshold above 1 MiB (its dynamic threshold), so the next
   * rings come from the heap, zeroed page by page (all resident) and kept by the allocator when
   * freed. Measured (Node 20, 12 rings of 1 MiB made and dropped 200 times, 60 alive): plain
   * 42 -> 271 MB RSS, mmap'd 42 -> 44 MB. A growable buffer (maxByteLength) is mmap'd; it never
   * grows here, and the ring's views have fixed lengths, as over a plain one.
   */
  pageBacked?: boolean;
}

/** Allocates the shared memory of one ring. `capacityBytes` must be a power of two. */
export function createRing(capacityBytes: number = RING_CAPACITY_BYTES_DEFAULT, options: CreateRingOptions = {}): SharedArrayBuffer {
  if (
    !Number.isInteger(capacityBytes) ||
    capacityBytes < RING_CAPACITY_BYTES_MIN ||
    capacityBytes > RING_CAPACITY_BYTES_MAX ||
    (capacityBytes & (capacityBytes - 1)) !== 0
  ) {
    throw new RangeError(
      `ring capacity must be a power of two from ${RING_CAPACITY_BYTES_MIN} to ${RING_CAPACITY_BYTES_MAX} bytes, got ${capacityBytes}`,
    );
  }
  const bytes = RING_HEADER_BYTES + capacityBytes;
  return options.pageBacked === true ? new SharedArrayBuffer(bytes, { maxByteLength: bytes }) : new SharedArrayBuffer(bytes);
}

function capacityOf(sab: SharedArrayBuffer): number {
  if (!(sab instanceof SharedArrayBuffer)) throw new TypeError('a ring is a SharedArrayBuffer made by createRing()');
  const capacityBytes = sab.byteLength - RING_HEADER_BYTES;
  if (capacityBytes < RING_CAPACITY_BYTES_MIN || (capacityBytes & (capacityBytes - 1)) !== 0) {
    throw new RangeError(`not a ring: ${sab.byteLength} bytes is not a header plus a power-of-two data area`);
  }
  return capacityBytes;
}

export class RingProducer {
  readonly capacityBytes: number;
  readonly maxPayloadBytes: number;
  /** The whole SharedArrayBuffer as bytes; payloads are written at offsets returned by claim(). */
  readonly bytes: Uint8Array;
  private readonly words: Int32Array;
  private readonly mask: number;
  /** Our own tail; only this producer writes the shared one, so the local copy is authoritative. */
  private tail: number;
  /** The consumer's head as last read: re-read only when the ring looks full (saves a shared read per write). */
  private headCache: number;
  /** Position after the claimed record, published by commit(). */
  private claimedTail: number;
  /** Payload bytes the last reserve() made available. */
  reservedPayloadBytes = 0;

  constructor(readonly sab: SharedArrayBuffer) {
    this.capacityBytes = capacityOf(sab);
    this.maxPayloadBytes = maxPayloadBytes(this.capacityBytes);
    this.mask = this.capacityBytes - 1;
    // Fixed lengths: over a growable buffer (pageBacked) a view without one would track its length.
    this.bytes = new Uint8Array(sab, 0, sab.byteLength);
    this.words = new Int32Array(sab, 0, sab.byteLength >> 2);
    this.tail = Atomics.load(this.words, RING_TAIL_INDEX);
    this.headCache = Atomics.load(this.words, RING_HEAD_INDEX);
    this.claimedTail = this.tail;
  }

  /**
   * Reserves room for a record of `payloadBytes` and writes its header. Returns the byte offset
   * (into `bytes`) where the payload goes, or -1 if the ring has no room now. The record is
   * invisible to the consumer until commit().
   */
  claim(type: number, payloadBytes: number): number {
    if (payloadBytes > this.maxPayloadBytes) throw new MessageTooLargeError(payloadBytes, this.maxPayloadBytes);
    const size = recordBytes(payloadBytes);
    let tail = this.tail;
    const index = tail & this.mask;
    const toEnd = this.capacityBytes - index;
    const needed = size <= toEnd ? size : toEnd + size;
    if (((tail + needed - this.headCache) | 0) > this.capacityBytes) {
      this.headCache = Atomics.load(this.words, RING_HEAD_INDEX);
      if (((tail + needed - this.headCache) | 0) > this.capacityBytes) return -1;
    }
    let at = RING_HEADER_BYTES + index;
    if (size > toEnd) {
      // Padding to the end of the data area; the record starts over at offset 0.
      this.words[at >> 2] = toEnd - RECORD_HEADER_BYTES;
      this.words[(at >> 2) + 1] = RECORD_TYPE_PADDING;
      tail = (tail + toEnd) | 0;
      at = RING_HEADER_BYTES;
    }
    this.words[at >> 2] = payloadBytes;
    this.words[(at >> 2) + 1] = type;
    this.claimedTail = (tail + size) | 0;
    return at + RECORD_HEADER_BYTES;
  }

  /** The position after the last record committed (as the ring's tail word: wraps at 2^32). */
  get position(): number {
    return this.tail;
  }

  /** Publishes the record last claimed. The store is sequentially consistent, so the payload written before it is visible to a consumer that loads the new tail. */
  commit(): void {
    this.tail = this.claimedTail;
    Atomics.store(this.words, RING_TAIL_INDEX, this.tail);
  }

  /**
   * Reserves the contiguous free space at the tail, for a record whose size is known only once it
   * is written (the encoder writes straight into the ring instead of into a scratch buffer that
   * is then copied). Returns the payload offset, with `reservedPayloadBytes` the most it may
   * take (at most maxPayloadBytes), or -1 if less than `minPayloadBytes` is free before the end
   * of the data area: the caller then sizes the record first and uses claim(), which also
   * handles the wrap. Publish with commitReserved(); until then the consumer sees nothing.
   */
  reserve(minPayloadBytes: number): number {
    const tail = this.tail;
    const index = tail & this.mask;
    const toEnd = this.capacityBytes - index;
    let free = this.capacityBytes - ((tail - this.headCache) | 0);
    if (free < toEnd && free - RECORD_HEADER_BYTES < minPayloadBytes) {
      this.headCache = Atomics.load(this.words, RING_HEAD_INDEX);
      free = this.capacityBytes - ((tail - this.headCache) | 0);
    }
    // A record must leave room for its own 8-byte alignment, so round the room down to it.
    const room = ((free < toEnd ? free : toEnd) & ~(RECORD_ALIGNMENT_BYTES - 1)) - RECORD_HEADER_BYTES;
    if (room < minPayloadBytes) return -1;
    this.reservedPayloadBytes = room < this.maxPayloadBytes ? room : this.maxPayloadBytes;
    return RING_HEADER_BYTES + index + RECORD_HEADER_BYTES;
  }

  /** Writes the header of the record last reserved, with `payloadBytes` (<= reservedPayloadBytes) of payload, and publishes it. */
  commitReserved(type: number, payloadBytes: number): void {
    if (payloadBytes > this.reservedPayloadBytes) throw new RangeError(`${payloadBytes} bytes written where ${this.reservedPayloadBytes} were reserved`);
    const at = RING_HEADER_BYTES + (this.tail & this.mask);
    this.words[at >> 2] = payloadBytes;
    this.words[(at >> 2) + 1] = type;
    this.claimedTail = (this.tail + recordBytes(payloadBytes)) | 0;
    this.commit();
  }

  /** Copies `payload` into the ring as one record. False (and nothing written) if there is no room now. */
  tryWrite(type: number, payload: Uint8Array): boolean {
    const at = this.claim(type, payload.byteLength);
    if (at < 0) return false;
    this.bytes.set(payload, at);
    this.commit();
    return true;
  }

  /** True if a record of `payloadBytes` would fit now (it re-reads the consumer's head). */
  hasRoomFor(payloadBytes: number): boolean {
    const size = recordBytes(payloadBytes);
    const index = this.tail & this.mask;
    const toEnd = this.capacityBytes - index;
    const needed = size <= toEnd ? size : toEnd + size;
    this.headCache = Atomics.load(this.words, RING_HEAD_INDEX);
    return ((this.tail + needed - this.headCache) | 0) <= this.capacityBytes;
  }

  /**
   * Backpressure: announce that this producer waits until `wantedFreeBytes` are free (default 1:
   * any release) and return the head value to wait on. The caller re-checks hasFreeBytes() (or
   * hasRoomFor()) after this and only then waits on `sharedWords[RING_HEAD_INDEX]` for a change
   * from the returned value, so a consumer that frees space in between is never missed.
   */
  announceWaitForSpace(wantedFreeBytes = 1): number {
    Atomics.store(this.words, RING_PRODUCER_PARKED_INDEX, Math.max(1, Math.min(wantedFreeBytes, this.capacityBytes)));
    return Atomics.load(this.words, RING_HEAD_INDEX);
  }

  /**
   * The free space a producer that found the ring full should wait for: a quarter of the ring
   * (or the record, if larger). Without this hysteresis a producer faster than its consumer
   * would park and be woken once per drained batch, and every wake-up costs the consumer a
   * notify syscall and the producer a futex wake (measured: the consumer's release() became a
   * fifth of its time); with it, once per quarter ring.
   */
  wantedFreeBytesAfterFull(payloadBytes: number): number {
    // Twice the record: enough for it even if it must first pad to the end of the data area.
    return Math.min(this.capacityBytes, Math.max(2 * recordBytes(payloadBytes), this.capacityBytes >> 2));
  }

  /** True if at least `bytes` of the ring are free (re-reads the consumer's head). */
  hasFreeBytes(bytes: number): boolean {
    this.headCache = Atomics.load(this.words, RING_HEAD_INDEX);
    return this.capacityBytes - ((this.tail - this.headCache) | 0) >= bytes;
  }

  endWaitForSpace(): void {
    Atomics.store(this.words, RING_PRODUCER_PARKED_INDEX, 0);
  }

  /** The Int32Array and index a waiting producer passes to Atomics.wait / waitAsync. */
  get sharedWords(): Int32Array {
    return this.words;
  }
}

/**
 * Called once per record by RingConsumer.drain(). The payload is `bytes[start, end)`, valid only
 * during the call: the producer may overwrite it as soon as the call returns, so anything kept
 * must be copied out.
 */
export type RecordHandler = (type: number, bytes: Uint8Array, start: number, end: number) => void;

export class RingConsumer {
  readonly capacityBytes: number;
  readonly bytes: Uint8Array;
  private readonly words: Int32Array;
  private readonly mask: number;
  private head: number;
  /** The ring position where the record drain() is handing over starts (for a receiver that keeps slab values: slab-hold.ts). */
  recordStart = 0;

  constructor(readonly sab: SharedArrayBuffer) {
    this.capacityBytes = capacityOf(sab);
    this.mask = this.capacityBytes - 1;
    // Fixed lengths: over a growable buffer (pageBacked) a view without one would track its length.
    this.bytes = new Uint8Array(sab, 0, sab.byteLength);
    this.words = new Int32Array(sab, 0, sab.byteLength >> 2);
    this.head = Atomics.load(this.words, RING_HEAD_INDEX);
  }

  /** True if a committed record is waiting. */
  hasRecords(): boolean {
    return Atomics.load(this.words, RING_TAIL_INDEX) !== this.head;
  }

  /**
   * Hands up to `maxRecords` committed records to `handler`, in order, and returns how many.
   * The space is released to the producer once, at the end (one shared store per batch, not per
   * record); a handler that throws still releases every record handed out, so a poison message is
   * consumed once rather than redelivered forever.
   */
  drain(handler: RecordHandler, maxRecords: number): number {
    const tail = Atomics.load(this.words, RING_TAIL_INDEX);
    let head = this.head;
    let count = 0;
    try {
      while (head !== tail && count < maxRecords) {
        const index = head & this.mask;
        const at = RING_HEADER_BYTES + index;
        const payloadBytes = this.words[at >> 2]!;
        const typeWord = this.words[(at >> 2) + 1]!;
        const type = typeWord & RECORD_TYPE_MASK;
        if (type === RECORD_TYPE_PADDING) {
          head = (head + this.capacityBytes - index) | 0;
          continue;
        }
        this.recordStart = head;
        head = (head + recordBytes(payloadBytes)) | 0;
        count++;
        // The payload proper starts after the record's lead pad (layout.ts).
        handler(type, this.bytes, at + RECORD_HEADER_BYTES + (typeWord >>> RECORD_PAD_SHIFT), at + RECORD_HEADER_BYTES + payloadBytes);
      }
    } finally {
      if (head !== this.head) this.release(head);
    }
    return count;
  }

  private release(head: number): void {
    this.head = head;
    Atomics.store(this.words, RING_HEAD_INDEX, head);
    // Wake a producer blocked on a full ring once the free space it waits for is there; the word
    // keeps the common case free of notify calls. A tail read before our head store can only make
    // `free` look larger (an early wake-up, which the producer re-checks), never smaller; and a
    // consumer that drains everything always frees what any producer waits for (at most the capacity).
    const wantedFreeBytes = Atomics.load(this.words, RING_PRODUCER_PARKED_INDEX);
    if (wantedFreeBytes !== 0) {
      const free = this.capacityBytes - ((Atomics.load(this.words, RING_TAIL_INDEX) - head) | 0);
      if (free >= wantedFreeBytes) {
        Atomics.store(this.words, RING_PRODUCER_PARKED_INDEX, 0);
        Atomics.notify(this.words, RING_HEAD_INDEX);
      }
    }
  }
}
