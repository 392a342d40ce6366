import fc from 'fast-check';
import { Packr, Unpackr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import {
  FAST_ENCODE_UNSUPPORTED,
  Inbox,
  MessageCodec,
  MessageTooLargeError,
  Outbox,
  RECORD_TYPE_MESSAGE,
  RING_PRODUCER_PARKED_INDEX,
  RingConsumer,
  RingProducer,
  ALIGNED_COPY_MIN_BYTES,
  BOUNCE_CHUNK_BYTES,
  copyRange,
  createDoorbell,
  createRing,
  recordBytes,
} from 'synod/mailbox';

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, copyBuffers: true });

/** What msgpackr alone delivers for `value`: the mailbox must deliver exactly this, whichever encoder ran. */
function viaMsgpackr(value: unknown): unknown {
  return unpackr.unpack(Uint8Array.from(packr.pack(value))); // from a plain Uint8Array, as MessageCodec decodes
}

function link(ringBytes: number) {
  const doorbell = createDoorbell();
  const ring = createRing(ringBytes);
  const outbox = new Outbox(ring, doorbell, new MessageCodec());
  const inbox = new Inbox(doorbell, undefined, new MessageCodec());
  inbox.addLink(1, ring);
  const received: unknown[] = [];
  const drain = () => inbox.drain((_from, message) => received.push(message));
  /** Sends each message in order; a full ring is backpressure: drain, then the same message must go in. Drains at the end. */
  const sendAll = (messages: readonly unknown[]): void => {
    for (const message of messages) {
      if (!outbox.trySend(message)) {
        drain();
        expect(outbox.trySend(message)).toBe(true);
      }
    }
    drain();
  };
  return { ring, outbox, inbox, received, drain, sendAll };
}

// Messages of the fast subset and of the fallback, of sizes from a few bytes to a good part of a 4 KiB ring.
const fastMessage = fc.oneof(
  fc.record({ k: fc.integer(), s: fc.string({ maxLength: 30 }), d: fc.uint8Array({ maxLength: 600 }) }),
  fc.array(fc.oneof(fc.double(), fc.boolean(), fc.constant(null), fc.string({ unit: 'grapheme', maxLength: 20 })), { maxLength: 20 }),
);
const fallbackMessage = fc.oneof(
  fc.record({ at: fc.date({ noInvalidDate: true }), n: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) }),
  fc.array(fc.integer(), { maxLength: 10 }).map((xs) => new Map(xs.map((x, i) => [i, x]))),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 4 }).map((entries) => ({ bare: Object.assign(Object.create(null) as object, entries) })),
);
// Not Int16Array and friends: msgpackr 2.1.3 writes them as a bin of byteLength bytes but fills it
// with TypedArray#set, which converts element values to bytes, leaving the rest of the bin
// whatever its reused buffer held before. Its output for them is not deterministic.

describe('outbox to inbox, fast path and fallback', () => {
  it('delivers every message as msgpackr would, across many wraps of a small ring', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fastMessage, fallbackMessage), { minLength: 1, maxLength: 60 }), (messages) => {
        const { received, sendAll } = link(4096);
        sendAll(messages);
        expect(received).toStrictEqual(messages.map(viaMsgpackr));
      }),
      { numRuns: 150 },
    );
  });

  it('encodes what only msgpackr handles through msgpackr, on every send path', async () => {
    const { outbox, received, drain } = link(4096);
    const codec = new MessageCodec();
    const values = [new Map([['a', 1]]), new Set([1, 2]), new Date(86_400_000), 2n ** 62n, { nested: { when: new Date(0) } }, Object.assign(Object.create(null) as object, { a: 1 })];
    for (const value of values) {
      expect(codec.encodeInto(value, new Uint8Array(256), 0, 256)).toBe(FAST_ENCODE_UNSUPPORTED);
      const { buffer, start, end } = codec.encode(value);
      expect(Buffer.compare(buffer.subarray(start, end), packr.pack(value))).toBe(0);
    }
    for (const value of values) expect(outbox.trySend(value)).toBe(true);
    outbox.send(values[0], 1000);
    await outbox.sendAsync(values[1], 1000);
    drain();
    expect(received).toStrictEqual([...values, values[0], values[1]].map(viaMsgpackr));
  });

  it('sizes a message too large for the room at the tail and encodes it in place, or through msgpackr if only measuring finds what it cannot encode', () => {
    const { received, sendAll } = link(4096);
    // 1000 bytes of data first: the direct try runs out of room before it meets the Map.
    const messages = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0 ? { d: new Uint8Array(1000).fill(i), n: i } : { d: new Uint8Array(1000).fill(i), m: new Map([[i, 'x']]) },
    );
    sendAll(messages);
    expect(received).toStrictEqual(messages.map(viaMsgpackr));
  });

  it('sends a waiting message as it was when sent, whatever its buffers hold by the time there is room', async () => {
    const { outbox, received, drain } = link(1024);
    const filler = { d: new Uint8Array(400) };
    while (outbox.trySend(filler));
    const data = new Uint8Array(300).fill(7);
    const sent = outbox.sendAsync({ d: data }, 5000);
    data.fill(9); // the owner reuses its buffer once the send returned
    drain();
    await sent;
    drain();
    expect(received.at(-1)).toStrictEqual({ d: new Uint8Array(300).fill(7) });
  });

  it('still refuses a message that can never fit, whichever encoder sized it', () => {
    const { outbox } = link(1024);
    expect(() => outbox.trySend({ d: new Uint8Array(600) })).toThrow(MessageTooLargeError);
    expect(() => outbox.trySend({ d: new Map([[1, new Uint8Array(600)]]) })).toThrow(MessageTooLargeError);
  });

  it('decodes through msgpackr what the fast decoder does not know', () => {
    const codec = new MessageCodec();
    const float32 = Uint8Array.of(0xca, 0x3f, 0xc0, 0x00, 0x00);
    expect(codec.decode(float32, 0, float32.length)).toBe(1.5);
    const mapWithIntegerKey = Uint8Array.of(0x81, 0x01, 0x02);
    expect(codec.decode(mapWithIntegerKey, 0, 3)).toStrictEqual(unpackr.unpack(mapWithIntegerKey));
  });
});

describe('ring: writing in place', () => {
  it('reserves only contiguous room, and commits what was written', () => {
    const sab = createRing(1024);
    const producer = new RingProducer(sab);
    const consumer = new RingConsumer(sab);
    const at = producer.reserve(16);
    expect(at).toBeGreaterThan(0);
    expect(producer.reservedPayloadBytes).toBe(producer.maxPayloadBytes);
    producer.bytes.set([1, 2, 3], at);
    expect(consumer.hasRecords()).toBe(false);
    expect(() => producer.commitReserved(RECORD_TYPE_MESSAGE, producer.reservedPayloadBytes + 1)).toThrow(RangeError);
    producer.commitReserved(RECORD_TYPE_MESSAGE, 3);
    const seen: number[][] = [];
    consumer.drain((_type, bytes, start, end) => seen.push([...bytes.subarray(start, end)]), 10);
    expect(seen).toEqual([[1, 2, 3]]);
  });

  it('declines when the room before the wrap is short, so the caller pads through claim()', () => {
    const sab = createRing(1024);
    const producer = new RingProducer(sab);
    const consumer = new RingConsumer(sab);
    // Move the tail to 64 bytes before the end of the data area, then free everything.
    for (let written = 0; written < 1024 - 64; written += recordBytes(88)) expect(producer.tryWrite(RECORD_TYPE_MESSAGE, new Uint8Array(88))).toBe(true);
    consumer.drain(() => undefined, 100);
    expect(producer.reserve(100)).toBe(-1);
    const at = producer.reserve(16);
    expect(at).toBeGreaterThan(0);
    expect(producer.reservedPayloadBytes).toBe(64 - 8);
  });

  it('wakes a producer waiting for room only once the free space it asked for is there', () => {
    const sab = createRing(1024);
    const producer = new RingProducer(sab);
    const consumer = new RingConsumer(sab);
    const words = new Int32Array(sab);
    while (producer.tryWrite(RECORD_TYPE_MESSAGE, new Uint8Array(56))) {
      // fill the ring with 64-byte records
    }
    const wanted = producer.wantedFreeBytesAfterFull(56);
    expect(wanted).toBe(256); // a quarter of the ring
    producer.announceWaitForSpace(wanted);
    expect(producer.hasFreeBytes(wanted)).toBe(false);
    consumer.drain(() => undefined, 1); // 64 bytes free: not yet
    expect(Atomics.load(words, RING_PRODUCER_PARKED_INDEX)).toBe(wanted);
    consumer.drain(() => undefined, 3); // 256 bytes free: wake
    expect(Atomics.load(words, RING_PRODUCER_PARKED_INDEX)).toBe(0);
    expect(producer.hasFreeBytes(wanted)).toBe(true);
    producer.endWaitForSpace();
  });
});

describe('copyRange', () => {
  it('copies small ranges by loop and large ones by set, between plain and shared memory', () => {
    for (const length of [0, 1, 15, 64, 65, 1000]) {
      const source = new Uint8Array(new SharedArrayBuffer(length + 10)).map((_, i) => i * 7);
      const target = new Uint8Array(length + 20);
      copyRange(source, 3, 3 + length, target, 5);
      expect([...target.subarray(5, 5 + length)]).toEqual([...source.subarray(3, 3 + length)]);
      expect(target[4]).toBe(0);
      expect(target[5 + length]).toBe(0);
    }
  });

  // Into or out of shared memory, ends not aligned alike go through a bounce buffer in chunks of
  // BOUNCE_CHUNK_BYTES: every byte lands in place and nothing around it is touched, at every
  // pairing of alignments, either side shared or both, across chunk boundaries.
  it('copies long ranges between unlike-aligned ends exactly, whichever sides are shared', () => {
    const memory = (shared: boolean, bytes: number) => new Uint8Array(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    const lengths = [ALIGNED_COPY_MIN_BYTES - 1, ALIGNED_COPY_MIN_BYTES, 5000, BOUNCE_CHUNK_BYTES, 2 * BOUNCE_CHUNK_BYTES + 13];
    for (const [sourceShared, targetShared] of [[true, false], [false, true], [true, true], [false, false]] as const) {
      for (const length of lengths) {
        const source = memory(sourceShared, length + 24).map((_, i) => (i * 31 + 7) & 0xff);
        for (const [sourceStart, targetStart] of [[3, 0], [0, 5], [1, 2], [7, 7], [2, 9]] as const) {
          const target = memory(targetShared, length + 24).fill(0xee);
          // Views that start inside their buffers, so byteOffset counts in the alignment too.
          copyRange(source.subarray(1), sourceStart, sourceStart + length, target.subarray(2), targetStart);
          const at = 2 + targetStart;
          expect(target[at - 1]).toBe(0xee);
          expect(target[at + length]).toBe(0xee);
          const landed = target.subarray(at, at + length);
          const expected = source.subarray(1 + sourceStart, 1 + sourceStart + length);
          const firstWrong = landed.findIndex((byte, i) => byte !== expected[i]);
          expect(firstWrong, `${sourceShared ? 'shared' : 'private'} -> ${targetShared ? 'shared' : 'private'}, ${length} bytes, ${sourceStart} -> ${targetStart}`).toBe(-1);
        }
      }
    }
  });
});
