// A record's lead pad (layout.ts): an Outbox places a message's first large binary field at its
// source's address modulo 8, so that its copy into the ring is one word-by-word copy instead of
// two through a bounce; the reader skips the pad; a fan-out copy keeps it.
import { afterEach, describe, expect, it } from 'vitest';
import {
  ALIGNED_COPY_MIN_BYTES,
  Inbox,
  MessageCodec,
  Outbox,
  RECORD_PAD_BYTES_MAX,
  RECORD_TYPE_MESSAGE,
  RingConsumer,
  RingProducer,
  createDoorbell,
  createRing,
  maxPayloadBytes,
  recordTypeWord,
} from 'synod/mailbox';

type Setter = (this: Uint8Array, source: ArrayLike<number>, offset?: number) => void;
const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as { set: Setter };
const originalSet = typedArrayPrototype.set;

/** Counts copies of `bytes` bytes or more while `run` runs (as the copy audit does: bench/copies). */
function largeCopiesDuring(bytes: number, run: () => void): number {
  let copies = 0;
  typedArrayPrototype.set = function set(this: Uint8Array, source: ArrayLike<number>, offset?: number): void {
    if ((ArrayBuffer.isView(source) ? source.byteLength : source.length) >= bytes) copies++;
    originalSet.call(this, source, offset);
  };
  try {
    run();
  } finally {
    typedArrayPrototype.set = originalSet;
  }
  return copies;
}

afterEach(() => {
  typedArrayPrototype.set = originalSet;
});

/** Counts measure() calls: a record sized first (Outbox's claim path) measures its message. */
class MeasuringCodec extends MessageCodec {
  measured = 0;
  override measure(message: unknown): number {
    this.measured++;
    return super.measure(message);
  }
}

function link(ringBytes: number) {
  const doorbell = createDoorbell();
  const ring = createRing(ringBytes);
  const codec = new MeasuringCodec();
  const outbox = new Outbox(ring, doorbell, codec);
  const inbox = new Inbox(doorbell, undefined, new MessageCodec());
  inbox.addLink(1, ring);
  const received: Array<{ value: Uint8Array }> = [];
  const drain = () => inbox.drain((_from, message) => received.push(message as { value: Uint8Array }));
  return { ring, outbox, codec, received, drain };
}

/** An Accept-like message whose value (`valueBytes`, patterned) starts `offset` bytes into its own buffer. */
function messageAt(offset: number, valueBytes: number, slot = 1) {
  const buffer = new Uint8Array(offset + valueBytes);
  const value = buffer.subarray(offset);
  for (let i = 0; i < valueBytes; i++) value[i] = (i * 7 + offset + slot) & 255;
  return { type: 3, from: 1, ballot: 65_537, slot, value };
}

const VALUE_BYTES = 4 * ALIGNED_COPY_MIN_BYTES;

describe('the lead pad of a ring record', () => {
  it('is skipped by the reader: the payload handed over starts after it', () => {
    const ring = createRing(1 << 12);
    const producer = new RingProducer(ring);
    const at = producer.claim(recordTypeWord(RECORD_TYPE_MESSAGE, RECORD_PAD_BYTES_MAX), RECORD_PAD_BYTES_MAX + 3);
    producer.bytes.set([9, 9, 9, 9, 9, 9, 9, 1, 2, 3], at);
    producer.commit();
    const seen: Array<[number, number[]]> = [];
    new RingConsumer(ring).drain((type, bytes, start, end) => seen.push([type, [...bytes.subarray(start, end)]]), 10);
    expect(seen).toEqual([[RECORD_TYPE_MESSAGE, [1, 2, 3]]]);
  });

  it('puts a large binary field at its source\'s address modulo 8: one copy into the ring, whatever the source\'s offset', () => {
    const { outbox, received, drain } = link(1 << 20);
    for (let offset = 0; offset < 8; offset++) {
      const message = messageAt(offset, VALUE_BYTES);
      expect(largeCopiesDuring(ALIGNED_COPY_MIN_BYTES, () => expect(outbox.trySend(message)).toBe(true))).toBe(1);
      drain();
      expect(received.at(-1)).toEqual({ ...message, value: Uint8Array.from(message.value) });
    }
  });

  it('a fan-out copy keeps the pad, and so one copy a link', () => {
    const [a, b] = [link(1 << 20), link(1 << 20)];
    for (let offset = 0; offset < 8; offset++) {
      const message = messageAt(offset, VALUE_BYTES);
      a.outbox.trySend(message);
      expect(largeCopiesDuring(ALIGNED_COPY_MIN_BYTES, () => expect(b.outbox.trySendAgain(message, a.outbox)).toBe(true))).toBe(1);
      a.drain();
      b.drain();
      expect(b.received.at(-1)!.value).toEqual(message.value);
    }
  });

  it('pads a record sized first (near the wrap) too, and goes unpadded where the pad would pass the largest payload', () => {
    const ringBytes = 1 << 14;
    const { outbox, codec, received, drain } = link(ringBytes);
    // Values of uneven sizes walk the tail around the ring's end: some go the sized way (measure, claim).
    for (let round = 0; round < 40; round++) {
      const message = messageAt(round % 8, ALIGNED_COPY_MIN_BYTES + ((round * 1237) % 5000), round);
      expect(largeCopiesDuring(ALIGNED_COPY_MIN_BYTES, () => expect(outbox.trySend(message)).toBe(true))).toBe(1);
      drain();
      expect(received.at(-1)!.value).toEqual(message.value);
    }
    expect(codec.measured).toBeGreaterThan(5);
    // The largest message the ring takes, its value misaligned: no room for a pad, so it goes as it is, whole.
    const overhead = new MessageCodec().measure(messageAt(0, 0x1000)) - 0x1000; // a bin16 field, as the largest's
    const largest = messageAt(3, maxPayloadBytes(ringBytes) - overhead);
    expect(new MessageCodec().measure(largest)).toBe(maxPayloadBytes(ringBytes));
    drain();
    // Unpadded, its value goes through the bounce: two copies.
    expect(largeCopiesDuring(ALIGNED_COPY_MIN_BYTES, () => expect(outbox.trySend(largest)).toBe(true))).toBe(2);
    drain();
    expect(received.at(-1)!.value).toEqual(largest.value);
  });
});
