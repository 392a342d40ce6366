import { describe, expect, it } from 'vitest';
import {
  MessageTooLargeError,
  RECORD_TYPE_BYTES,
  RING_HEADER_BYTES,
  RingConsumer,
  RingProducer,
  createRing,
  maxPayloadBytes,
  recordBytes,
} from 'synod/mailbox';

function drainAll(consumer: RingConsumer): Uint8Array[] {
  const out: Uint8Array[] = [];
  consumer.drain((_type, bytes, start, end) => out.push(bytes.slice(start, end)), Number.MAX_SAFE_INTEGER);
  return out;
}

function payload(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (seed * 131 + i * 7) & 0xff;
  return bytes;
}

describe('ring: shape', () => {
  it('rejects capacities that are not a power of two within limits', () => {
    expect(() => createRing(1000)).toThrow(RangeError);
    expect(() => createRing(512)).toThrow(/1024/);
    expect(() => createRing(3 * 1024)).toThrow(RangeError);
    expect(createRing(1024).byteLength).toBe(RING_HEADER_BYTES + 1024);
  });

  it('rejects a buffer that is not a ring', () => {
    expect(() => new RingProducer(new SharedArrayBuffer(100))).toThrow(RangeError);
    expect(() => new RingConsumer(new ArrayBuffer(2048) as unknown as SharedArrayBuffer)).toThrow(TypeError);
  });

  it('aligns records to 8 bytes including the header', () => {
    expect(recordBytes(0)).toBe(8);
    expect(recordBytes(1)).toBe(16);
    expect(recordBytes(8)).toBe(16);
    expect(recordBytes(9)).toBe(24);
  });
});

describe('ring: single thread', () => {
  it('is empty at first and drains nothing', () => {
    const sab = createRing(1024);
    const consumer = new RingConsumer(sab);
    expect(consumer.hasRecords()).toBe(false);
    expect(drainAll(consumer)).toEqual([]);
  });

  it('keeps a claimed record invisible until commit', () => {
    const sab = createRing(1024);
    const producer = new RingProducer(sab);
    const consumer = new RingConsumer(sab);
    const at = producer.claim(RECORD_TYPE_BYTES, 4);
    producer.bytes.set([1, 2, 3, 4], at);
    expect(consumer.hasRecords()).toBe(false);
    producer.commit();
    expect(drainAll(consumer)).toEqual([new Uint8Array([1, 2, 3, 4])]);
  });

  it('fills exactly to capacity, refuses one more byte, and accepts again once drained', () => {
    const sab = createRing(1024);
    const producer = new RingProducer(sab);
    const consumer = new RingConsumer(sab);
    // 1024 bytes = 16 records of 64 bytes (8 header + 56 payload).
    for (let i = 0; i < 16; i++) expect(producer.tryWrite(RECORD_TYPE_BYTES, payload(56, i))).toBe(true);
    expect(producer.tryWrite(RECORD_TYPE_BYTES, payload(0, 99))).toBe(false);
    const out = drainAll(consumer);
    expect(out).toHaveLength(16);
    out.forEach((bytes, i) => expect(bytes).toEqual(payload(56, i)));
    expect(producer.tryWrite(RECORD_TYPE_BYTES, payload(56, 16))).toBe(true);
    expect(drainAll(consumer)).toEqual([payload(56, 16)]);
  });

  it('a refused write leaves the ring exactly as it was', () => {
    const sab = createRing(1024);
    const producer = new RingProducer(sab);
    const consumer = new RingConsumer(sab);
    expect(producer.tryWrite(RECORD_TYPE_BYTES, payload(500, 1))).toBe(true);
    expect(producer.tryWrite(RECORD_TYPE_BYTES, payload(500, 2))).toBe(true); // 2 x 512 bytes: full
    const before = new Uint8Array(sab).slice();
    expect(producer.tryWrite(RECORD_TYPE_BYTES, payload(1, 3))).toBe(false);
    expect(new Uint8Array(sab)).toEqual(before);
    expect(drainAll(consumer)).toEqual([payload(500, 1), payload(500, 2)]);
  });

  it('wraps with a padding record and never splits a record', () => {
    const sab = createRing(1024);
    const producer = new RingProducer(sab);
    const consumer = new RingConsumer(sab);
    // Two records of 504 bytes (8 header + 492 payload + 4 padding) leave the tail at 1008:
    // the next record (8 + 40 = 48 bytes) cannot fit in the last 16.
    for (let i = 0; i < 2; i++) expect(producer.tryWrite(RECORD_TYPE_BYTES, payload(492, i))).toBe(true);
    expect(drainAll(consumer)).toHaveLength(2);
    expect(producer.tryWrite(RECORD_TYPE_BYTES, payload(40, 7))).toBe(true);
    // The record went to data offset 0 (after a padding record), whole.
    expect(Array.from(producer.bytes.subarray(RING_HEADER_BYTES + 8, RING_HEADER_BYTES + 48))).toEqual(Array.from(payload(40, 7)));
    expect(drainAll(consumer)).toEqual([payload(40, 7)]);
  });

  it('refuses a payload over half the capacity with a RangeError naming the limit', () => {
    const producer = new RingProducer(createRing(1024));
    expect(maxPayloadBytes(1024)).toBe(504);
    expect(producer.tryWrite(RECORD_TYPE_BYTES, payload(504, 0))).toBe(true);
    const attempt = () => producer.tryWrite(RECORD_TYPE_BYTES, payload(505, 0));
    expect(attempt).toThrow(MessageTooLargeError);
    expect(attempt).toThrow(RangeError);
    expect(attempt).toThrow(/504/);
  });

  it('carries records of random sizes through many wraps in order, byte for byte', () => {
    const sab = createRing(4096);
    const producer = new RingProducer(sab);
    const consumer = new RingConsumer(sab);
    let state = 12345;
    const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    let written = 0;
    let read = 0;
    for (let round = 0; round < 20_000; round++) {
      const burst = random() % 8;
      for (let i = 0; i < burst; i++) {
        if (!producer.tryWrite(RECORD_TYPE_BYTES, payload(random() % (producer.maxPayloadBytes + 1), written))) break;
        written++;
      }
      consumer.drain((_type, bytes, start, end) => {
        const expected = payload(end - start, read);
        for (let k = 0; k < expected.length; k++) if (bytes[start + k] !== expected[k]) throw new Error(`record ${read} byte ${k} differs`);
        read++;
      }, random() % 6);
    }
    consumer.drain(() => read++, Number.MAX_SAFE_INTEGER);
    expect(read).toBe(written);
    expect(written).toBeGreaterThan(20_000);
  });

  it('keeps working when positions wrap past 2^32', () => {
    const sab = createRing(1024);
    const words = new Int32Array(sab);
    // Start both positions just below the 32-bit wrap.
    words[0] = -64; // tail
    words[16] = -64; // head
    const producer = new RingProducer(sab);
    const consumer = new RingConsumer(sab);
    const out: number[] = [];
    for (let i = 0; i < 100; i++) {
      expect(producer.tryWrite(RECORD_TYPE_BYTES, payload(24, i))).toBe(true);
      consumer.drain((_t, bytes, start) => out.push(bytes[start]!), 10);
    }
    expect(out).toEqual(Array.from({ length: 100 }, (_, i) => payload(24, i)[0]));
  });

  it('a handler that throws still consumes its record (no endless redelivery)', () => {
    const sab = createRing(1024);
    const producer = new RingProducer(sab);
    const consumer = new RingConsumer(sab);
    producer.tryWrite(RECORD_TYPE_BYTES, payload(8, 1));
    producer.tryWrite(RECORD_TYPE_BYTES, payload(8, 2));
    expect(() => consumer.drain(() => { throw new Error('poison'); }, 10)).toThrow('poison');
    expect(drainAll(consumer)).toEqual([payload(8, 2)]);
  });
});
