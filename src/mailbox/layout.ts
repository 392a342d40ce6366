/**
 * Where every byte of a mailbox lives. Readers and writers use only these names.
 *
 * A *ring* is one single-producer single-consumer link (sender -> receiver) in its own
 * SharedArrayBuffer, laid out like Agrona's OneToOneRingBuffer:
 *
 *   byte 0    tail            producer's position (bytes written and committed), Int32, wraps mod 2^32
 *   byte 64   head            consumer's position (bytes consumed), Int32, wraps mod 2^32
 *   byte 68   slabReleased    with slabHolds set: the position below which the consumer holds no
 *                             value of the sender's slab (value-slab.ts, slab-hold.ts); <= head
 *   byte 72   slabHolds       1 once a consumer of the ring keeps slab values past their records
 *                             (a learner): the sender's slab then frees by slabReleased, not head
 *   byte 128  producerParked  free bytes the producer waits for on `head` (backpressure); 0 if not waiting
 *   byte 192  data[capacity]  records, capacity a power of two
 *
 * The producer's words and the consumer's sit on separate 64-byte cache lines so the producer's
 * writes of `tail` never invalidate the line the consumer writes `head` to (false sharing).
 *
 * A record is `[payloadBytes: Int32 | type: Int32 | payload]`, padded to 8 bytes. When a record
 * does not fit before the end of the data area, the producer writes a padding record that
 * fills the rest and starts the real record at data offset 0, so a record is never split.
 * Every payload therefore starts 8-aligned. The type word's low byte is the record's type; bits
 * 8-10 are a lead pad (0-7): the payload proper starts that many bytes in, counted in
 * payloadBytes. A sender pads so that a large binary field lands at its source's address modulo
 * 8, where V8 copies shared memory word by word (see copy-range.ts); the reader skips the pad.
 *
 * Positions are free-running byte counters that wrap at 2^32: `(tail - head) | 0` is the number
 * of bytes in use, and `position & (capacity - 1)` the offset in the data area. That works
 * because the capacity is a power of two below 2^31.
 *
 * A *doorbell* is one per receiving thread, shared by all its incoming rings:
 *
 *   byte 0    parked     1 while the receiver is parked (or about to park) on `sequence`
 *   byte 64   sequence   bumped by a sender that found the receiver parked, then notified
 *   byte 128  interrupt  bit set of reasons to wake that are not messages (control plane)
 */
export const CACHE_LINE_BYTES = 64;

export const RING_TAIL_INDEX = 0; // Int32 index of `tail` (byte 0)
export const RING_HEAD_INDEX = CACHE_LINE_BYTES / 4; // byte 64
/** On head's cache line (both written by the consumer only, read by the producer's slab). */
export const RING_SLAB_RELEASED_INDEX = RING_HEAD_INDEX + 1; // byte 68
export const RING_SLAB_HOLDS_INDEX = RING_HEAD_INDEX + 2; // byte 72
export const RING_PRODUCER_PARKED_INDEX = (2 * CACHE_LINE_BYTES) / 4; // byte 128
export const RING_HEADER_BYTES = 3 * CACHE_LINE_BYTES;

export const RECORD_HEADER_BYTES = 8;
export const RECORD_ALIGNMENT_BYTES = 8;
export const RECORD_TYPE_PADDING = 0;
/** A msgpack-encoded message. */
export const RECORD_TYPE_MESSAGE = 1;
/** Raw bytes with no codec (the bare ring). */
export const RECORD_TYPE_BYTES = 2;
/** The type word: the record's type in the low byte, its lead pad from this bit on. */
export const RECORD_TYPE_MASK = 0xff;
export const RECORD_PAD_SHIFT = 8;
/** The largest lead pad: alignment to 8 bytes never takes more. */
export const RECORD_PAD_BYTES_MAX = RECORD_ALIGNMENT_BYTES - 1;
// The largest pad must fit the bits above the type in an Int32 word.
if (((RECORD_PAD_BYTES_MAX << RECORD_PAD_SHIFT) >>> RECORD_PAD_SHIFT) !== RECORD_PAD_BYTES_MAX) throw new Error('synod: a record pad does not fit its type word');

/** The type word of a record of `type` whose payload proper starts `padBytes` (0-7) in. */
export function recordTypeWord(type: number, padBytes: number): number {
  return type | (padBytes << RECORD_PAD_SHIFT);
}

export const RING_CAPACITY_BYTES_MIN = 1024;
export const RING_CAPACITY_BYTES_MAX = 1 << 30;
// Free space is `capacity - ((tail - head) | 0)`, and a claim compares `(tail + needed - head) | 0`
// with the capacity, where in use and needed are each at most the capacity: exact while twice the
// capacity stays below 2^31 (checked at the bound by test/mailbox/ring-bound.test.ts).
if (2 * RING_CAPACITY_BYTES_MAX > 2 ** 31) throw new Error(`synod: ring positions are Int32: a capacity of ${RING_CAPACITY_BYTES_MAX} would overflow them`);
export const RING_CAPACITY_BYTES_DEFAULT = 1 << 20;

export const DOORBELL_PARKED_INDEX = 0;
export const DOORBELL_SEQUENCE_INDEX = CACHE_LINE_BYTES / 4;
export const DOORBELL_INTERRUPT_INDEX = (2 * CACHE_LINE_BYTES) / 4;
export const DOORBELL_BYTES = 3 * CACHE_LINE_BYTES;

/** Bytes a record with `payloadBytes` of payload occupies in the ring, header and padding included. */
export function recordBytes(payloadBytes: number): number {
  return (RECORD_HEADER_BYTES + payloadBytes + RECORD_ALIGNMENT_BYTES - 1) & ~(RECORD_ALIGNMENT_BYTES - 1);
}

/**
 * The largest payload a ring of `capacityBytes` accepts. Half the capacity, because an empty
 * ring whose tail sits anywhere can always place a record of half its size, before or after
 * the wrap; a larger one could wait forever for a tail position that never comes.
 */
export function maxPayloadBytes(capacityBytes: number): number {
  return capacityBytes / 2 - RECORD_HEADER_BYTES;
}
