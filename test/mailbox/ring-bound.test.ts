// The ring at its largest capacity (2^30), with its Int32 positions started just before they wrap
// (at 2^31 and at 2^32): every claim is accepted exactly when an exact model says the record fits,
// and the consumer hands back every record with its size. Payloads are never written (only the
// 8-byte headers are), so the 1 GiB ring costs a few pages of memory.
import { describe, expect, it } from 'vitest';
import {
  RECORD_TYPE_BYTES,
  RING_CAPACITY_BYTES_MAX,
  RING_HEAD_INDEX,
  RING_TAIL_INDEX,
  RingConsumer,
  RingProducer,
  createRing,
  maxPayloadBytes,
  recordBytes,
} from 'synod/mailbox';

const CAPACITY = RING_CAPACITY_BYTES_MAX;
const LARGEST = maxPayloadBytes(CAPACITY);

/** Payload sizes to claim, in order: the largest, ones that fill the ring to the byte, empty ones, odd ones. */
const SIZES = [LARGEST, LARGEST, CAPACITY / 2 - 72, 0, LARGEST - 8, 1, CAPACITY / 4 + 3, LARGEST, 0, CAPACITY / 2 - 16, LARGEST, 5];

describe.each([
  { name: 'just before 2^31', start: 2 ** 31 - 64 },
  { name: 'just before 2^32', start: 2 ** 32 - 64 },
  { name: 'half a ring before 2^32', start: 2 ** 32 - CAPACITY / 2 - 8 },
])('a ring of 2^30 bytes, positions starting $name', ({ start }) => {
  it('accepts a record exactly when it fits, and hands each back whole', () => {
    const sab = createRing(CAPACITY);
    const words = new Int32Array(sab);
    words[RING_TAIL_INDEX] = start | 0;
    words[RING_HEAD_INDEX] = start | 0;
    const producer = new RingProducer(sab);
    const consumer = new RingConsumer(sab);
    // The model: exact positions (no wrap), and the records in the ring with where each ends.
    let tail = start;
    let head = start;
    const inRing: Array<{ payload: number; end: number }> = [];
    const consumeOne = () => {
      const sizes: number[] = [];
      expect(consumer.drain((_type, _bytes, from, to) => sizes.push(to - from), 1)).toBe(1);
      const oldest = inRing.shift()!;
      expect(sizes).toEqual([oldest.payload]);
      head = oldest.end;
    };
    let refused = 0;
    for (let round = 0; round < 3; round++) {
      for (const payload of SIZES) {
        for (;;) {
          const size = recordBytes(payload);
          const toEnd = CAPACITY - (tail % CAPACITY);
          const needed = size <= toEnd ? size : toEnd + size; // a record that does not fit before the end starts over at 0
          const fits = tail - head + needed <= CAPACITY;
          const at = producer.claim(RECORD_TYPE_BYTES, payload);
          expect(at >= 0, `claim of ${payload} bytes at position ${tail} with ${tail - head} in use`).toBe(fits);
          if (fits) {
            producer.commit();
            tail += needed;
            inRing.push({ payload, end: tail });
            break;
          }
          refused++;
          consumeOne(); // make room, and claim again
        }
      }
    }
    while (inRing.length > 0) consumeOne();
    expect(consumer.hasRecords()).toBe(false);
    expect(refused).toBeGreaterThan(0);
    expect(tail).toBeGreaterThan(2 ** 32); // the positions did wrap
    expect(Atomics.load(words, RING_HEAD_INDEX)).toBe(tail | 0);
    expect(Atomics.load(words, RING_TAIL_INDEX)).toBe(tail | 0);
  });
});
