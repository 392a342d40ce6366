// A sender's value slab (src/mailbox/value-slab.ts): a large binary written once, referenced from
// each ring it goes to, and never written over while a record that references it waits unconsumed.
import { describe, expect, it } from 'vitest';
import {
  Inbox,
  MessageCodec,
  Outbox,
  RING_HEAD_INDEX,
  RING_TAIL_INDEX,
  VALUE_REF_BYTES,
  VALUE_REF_EXT_TYPE,
  VALUE_REF_MIN_BYTES,
  VALUE_SLAB_BYTES_MAX,
  VALUE_SLAB_BYTES_MIN,
  VALUE_SLAB_HEADER_BYTES,
  ValueSlabWriter,
  createDoorbell,
  createRing,
  createValueSlab,
} from 'synod/mailbox';
import { seededRandom } from '../storage/backends.js';
import { accept, matches, pattern } from './value-patterns.js';


/** One sender (a writer of `slab`) and `count` receivers, each on a ring of its own whose inbox knows the slab. */
function fan(count: number, options: { ringBytes?: number; slabBytes?: number; ringStart?: number } = {}) {
  const slab = createValueSlab(options.slabBytes ?? 1 << 16);
  const writer = ValueSlabWriter.claim(slab)!;
  const codec = new MessageCodec();
  const links = Array.from({ length: count }, () => {
    const doorbell = createDoorbell();
    const ring = createRing(options.ringBytes ?? 1 << 16);
    if (options.ringStart !== undefined) {
      // Positions just short of the Int32 wrap: the slab's bookkeeping compares them as the ring does.
      const words = new Int32Array(ring);
      Atomics.store(words, RING_TAIL_INDEX, options.ringStart);
      Atomics.store(words, RING_HEAD_INDEX, options.ringStart);
    }
    const outbox = new Outbox(ring, doorbell, codec, undefined, writer);
    const inbox = new Inbox(doorbell, undefined, new MessageCodec());
    inbox.addLink(1, ring, slab);
    return { ring, outbox, inbox };
  });
  const send = (message: unknown): boolean[] => links.map((link, i) => (i === 0 ? link.outbox.trySend(message) : link.outbox.trySendAgain(message, links[i - 1]!.outbox)));
  return { slab, writer, links, send };
}

describe('value slab', () => {
  it('places a fan-out value once and sends each link a reference of a few bytes, which each receiver reads', () => {
    const { slab, writer, links, send } = fan(4);
    const message = accept(7, pattern(7, 3000));
    const before = links.map((link) => link.outbox.producer.position);
    expect(send(message)).toEqual([true, true, true, true]);
    expect(writer.placements).toBe(1);
    // A record of the header fields and a reference: no entry bytes in any ring.
    links.forEach((link, i) => expect(link.outbox.producer.position - before[i]!).toBeLessThan(80));
    for (const [i, link] of links.entries()) {
      const received: Array<ReturnType<typeof accept>> = [];
      // The first receiver takes it in place: a view of the sender's slab, valid during the call.
      link.inbox.drain(
        (_from, m) => {
          const value = (m as ReturnType<typeof accept>).value;
          if (i === 0) expect(value.buffer).toBe(slab);
          else expect(value.buffer).not.toBe(slab);
          expect(matches(7, value)).toBe(true);
          received.push(m as ReturnType<typeof accept>);
        },
        256,
        () => i === 0,
      );
      expect(received).toHaveLength(1);
      expect(received[0]!.value.length).toBe(3000);
    }
  });

  it('sends binaries below VALUE_REF_MIN_BYTES inline, and a message of several large ones by a reference each', () => {
    const { writer, links, send } = fan(1);
    const small = accept(1, pattern(1, VALUE_REF_MIN_BYTES - 1));
    const two = { type: 9, a: pattern(2, VALUE_REF_MIN_BYTES), b: pattern(3, 5000), c: 'x' };
    const at = links[0]!.outbox.producer.position;
    send(small);
    expect(writer.placements).toBe(0);
    expect(links[0]!.outbox.producer.position - at).toBeGreaterThan(VALUE_REF_MIN_BYTES);
    send(two);
    expect(writer.placements).toBe(2);
    const received: unknown[] = [];
    links[0]!.inbox.drain((_from, m) => received.push(m));
    expect(received).toEqual([small, two]);
  });

  it('keeps every referenced value intact until each ring that carries it is consumed, whatever the receivers lag', () => {
    const outcome = run(20_260_412, false);
    expect(outcome.corrupted).toBe(0);
    expect(outcome.delivered).toBe(outcome.sent * 3);
    // Both ends of the design ran: values by reference, and values inline while the slab was full.
    expect(outcome.placements).toBeGreaterThan(100);
    expect(outcome.refusals).toBeGreaterThan(10);
  });

  it('the same check catches a writer that forgets what a ring still references', () => {
    const outcome = run(20_260_412, true);
    expect(outcome.corrupted).toBeGreaterThan(0);
  });

  it('refuses a second writer (an actor restarted), whose values go inline, and the receiver still reads them', () => {
    const slab = createValueSlab(VALUE_SLAB_BYTES_MIN);
    expect(ValueSlabWriter.claim(slab)).toBeInstanceOf(ValueSlabWriter);
    expect(ValueSlabWriter.claim(slab)).toBeUndefined();
    const doorbell = createDoorbell();
    const ring = createRing(1 << 16);
    const outbox = new Outbox(ring, doorbell, new MessageCodec(), undefined, ValueSlabWriter.claim(slab));
    const inbox = new Inbox(doorbell, undefined, new MessageCodec());
    inbox.addLink(1, ring, slab);
    const message = accept(5, pattern(5, 2048));
    expect(outbox.trySend(message)).toBe(true);
    expect(outbox.producer.position).toBeGreaterThan(2048);
    const received: unknown[] = [];
    inbox.drain((_from, m) => received.push(m));
    expect(received).toEqual([message]);
  });

  it('encodes a held message again rather than copy a record whose references were given back since', () => {
    // An actor's send to a full ring is held and sent later; its other links' rings may have been
    // consumed meanwhile and the slab written over: the record last written for that message is stale.
    const { writer, links } = fan(2, { slabBytes: VALUE_SLAB_BYTES_MIN * 2 });
    const [a, b] = links;
    const held = accept(1, pattern(1, 3000));
    expect(a!.outbox.trySend(held)).toBe(true);
    a!.inbox.drain(() => {});
    // Other values through `a` alone, consumed as they go: the slab wraps over the held value's bytes.
    for (let seq = 2; seq < 8; seq++) {
      const other = accept(seq, pattern(seq, 3000));
      const to = links[0]!;
      // Through a second outbox on the same ring, so that `a`'s last record stays the held message's.
      expect(new Outbox(to.ring, createDoorbell(), new MessageCodec(), undefined, writer).trySend(other)).toBe(true);
      to.inbox.drain(() => {});
    }
    expect(writer.placements).toBe(7);
    expect(b!.outbox.trySendAgain(held, a!.outbox)).toBe(true);
    const received: unknown[] = [];
    b!.inbox.drain((_from, m) => received.push(m));
    expect(received).toEqual([held]);
  });

  it('keeps a value that a later record on a ring references again (a retransmission), however much was placed since', () => {
    // The ring's records reference the slab out of order: the retransmission, behind a newer
    // record, points below it. The oldest unconsumed record is not the one that holds the lowest bytes.
    const { links } = fan(2, { slabBytes: VALUE_SLAB_BYTES_MIN * 4 });
    const [slow, fast] = links;
    const old = accept(1, pattern(1, 3000));
    const newer = accept(2, pattern(2, 3000));
    expect(slow!.outbox.trySend(old)).toBe(true);
    expect(slow!.outbox.trySend(newer)).toBe(true);
    expect(slow!.outbox.trySend(old)).toBe(true); // the retransmission: the same value, still in the slab
    slow!.inbox.drain(() => {}, 1); // the first record only: `newer` and the retransmission wait
    for (let seq = 3; seq < 12; seq++) {
      expect(fast!.outbox.trySend(accept(seq, pattern(seq, 3000)))).toBe(true);
      fast!.inbox.drain(() => {});
    }
    const received: unknown[] = [];
    slow!.inbox.drain((_from, m) => received.push(m));
    expect(received).toEqual([newer, old]);
  });

  it('keeps a replaced Outbox\'s references until its receiver consumed them, and then forgets the ring', () => {
    const { writer, links } = fan(1);
    const [link] = links;
    const message = accept(1, pattern(1, 3000));
    expect(link!.outbox.trySend(message)).toBe(true);
    link!.outbox.retire(); // the peer's links handed over again: a new Outbox on the same ring
    const again = new Outbox(link!.ring, createDoorbell(), new MessageCodec(), undefined, writer);
    expect(writer.linkCount).toBe(2);
    expect(writer.liveBytes).toBeGreaterThanOrEqual(3000); // still referenced by the unconsumed record
    const received: unknown[] = [];
    link!.inbox.drain((_from, m) => received.push(m));
    expect(received).toEqual([message]);
    expect(writer.liveBytes).toBe(0);
    expect(writer.linkCount).toBe(1);
    void again;
  });

  it('forgets a consumed record with references at the next record of any kind on its ring, not only at the next reference', () => {
    // Positions wrap at 2^32: a record kept while 2^31 bytes of small messages pass would look unconsumed for good.
    const { links } = fan(1, { ringStart: 0x7fff_fff0 });
    const [link] = links;
    expect(link!.outbox.trySend(accept(1, pattern(1, 2000)))).toBe(true);
    expect(link!.outbox.slabRecordsPending).toBe(1);
    link!.inbox.drain(() => {});
    expect(link!.outbox.trySend(accept(2, pattern(2, 16)))).toBe(true);
    expect(link!.outbox.slabRecordsPending).toBe(0);
  });

  it('does not copy a record of one slab into a link of another (two actors on one thread)', () => {
    const codec = new MessageCodec();
    const ends = [createValueSlab(1 << 16), createValueSlab(1 << 16)].map((slab) => {
      const doorbell = createDoorbell();
      const ring = createRing(1 << 16);
      const outbox = new Outbox(ring, doorbell, codec, undefined, ValueSlabWriter.claim(slab));
      const inbox = new Inbox(doorbell, undefined, new MessageCodec());
      inbox.addLink(1, ring, slab);
      return { outbox, inbox };
    });
    const message = accept(4, pattern(4, 4000));
    expect(ends[0]!.outbox.trySend(message)).toBe(true);
    expect(ends[1]!.outbox.trySendAgain(message, ends[0]!.outbox)).toBe(true);
    for (const { outbox, inbox } of ends) {
      expect(outbox.slab!.placements).toBe(1);
      const received: unknown[] = [];
      inbox.drain((_from, m) => received.push(m));
      expect(received).toEqual([message]);
    }
  });

  it('fails a reference on a link whose inbox has no slab, rather than guess at its bytes', () => {
    const slab = createValueSlab(VALUE_SLAB_BYTES_MIN);
    const doorbell = createDoorbell();
    const ring = createRing(1 << 16);
    const outbox = new Outbox(ring, doorbell, new MessageCodec(), undefined, ValueSlabWriter.claim(slab));
    const inbox = new Inbox(doorbell, undefined, new MessageCodec());
    inbox.addLink(1, ring);
    outbox.trySend(accept(1, pattern(1, 1500)));
    expect(() => inbox.drain(() => {})).toThrow(/value slab/);
  });

  it('sends a value larger than half the slab inline', () => {
    const { writer, links, send } = fan(1, { slabBytes: VALUE_SLAB_BYTES_MIN });
    const big = accept(2, pattern(2, VALUE_SLAB_BYTES_MIN / 2 + 1));
    const half = accept(3, pattern(3, VALUE_SLAB_BYTES_MIN / 2));
    send(big);
    expect(writer.refusals).toBe(1);
    send(half);
    expect(writer.placements).toBe(1);
    const received: unknown[] = [];
    links[0]!.inbox.drain((_from, m) => received.push(m));
    expect(received).toEqual([big, half]);
  });

  it('reads a reference at the largest offset and length a slab of VALUE_SLAB_BYTES_MAX allows', () => {
    // Offsets and lengths are uint32 in a reference: the largest slab's last byte must be reachable.
    const slab = new SharedArrayBuffer(VALUE_SLAB_HEADER_BYTES + VALUE_SLAB_BYTES_MAX, { maxByteLength: VALUE_SLAB_HEADER_BYTES + VALUE_SLAB_BYTES_MAX });
    const data = new Uint8Array(slab, VALUE_SLAB_HEADER_BYTES);
    const length = VALUE_REF_MIN_BYTES;
    const offset = VALUE_SLAB_BYTES_MAX - length;
    pattern(9, length, data.subarray(offset, offset + length));
    // { v: <reference> } by hand: fixmap 1, fixstr "v", fixext 8 of the reference type.
    const record = new Uint8Array([0x81, 0xa1, 0x76, 0xd7, VALUE_REF_EXT_TYPE, ...uint32(offset), ...uint32(length)]);
    expect(record.length).toBe(3 + VALUE_REF_BYTES);
    const ring = createRing(1 << 12);
    const doorbell = createDoorbell();
    const inbox = new Inbox(doorbell, undefined, new MessageCodec());
    inbox.addLink(1, ring, slab);
    const outbox = new Outbox(ring, doorbell);
    expect(outbox.trySendBytes(record)).toBe(true);
    // A raw record of type BYTES is not decoded: write it as a message record instead.
    const words = new Int32Array(ring);
    const header = 192 + 0; // the ring's first record (data area after the 192-byte header)
    expect(words[header / 4 + 1]).toBe(2);
    words[header / 4 + 1] = 1;
    const received: Array<{ v: Uint8Array }> = [];
    inbox.drain((_from, m) => received.push(m as { v: Uint8Array }));
    expect(received[0]!.v.length).toBe(length);
    expect(matches(9, received[0]!.v)).toBe(true);
    // One past the end is a broken record.
    const past = new Uint8Array([0x81, 0xa1, 0x76, 0xd7, VALUE_REF_EXT_TYPE, ...uint32(offset + 1), ...uint32(length)]);
    expect(outbox.trySendBytes(past)).toBe(true);
    words[(header + 24) / 4 + 1] = 1;
    expect(() => inbox.drain(() => {})).toThrow(RangeError);
  });

  it('refuses slab sizes out of bounds', () => {
    expect(() => createValueSlab(VALUE_SLAB_BYTES_MIN - 8)).toThrow(RangeError);
    expect(() => createValueSlab(VALUE_SLAB_BYTES_MIN + 4)).toThrow(RangeError);
    expect(() => createValueSlab(VALUE_SLAB_BYTES_MAX + 8)).toThrow(RangeError);
    expect(createValueSlab(VALUE_SLAB_BYTES_MIN).byteLength).toBe(VALUE_SLAB_HEADER_BYTES + VALUE_SLAB_BYTES_MIN);
  });
});

function uint32(value: number): number[] {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255];
}

/**
 * One writer fans messages out to three receivers that drain at random moments, a few records at a
 * time, one of them in place (checking the bytes during its call). Small rings (wraps, sized
 * records), a small slab (full often), values at random offsets of their source (misaligned lead
 * pads) and ring positions near the Int32 wrap. `forgetful`: the writer's bookkeeping of what each
 * ring still references is switched off, the bug the run must catch.
 */
function run(seed: number, forgetful: boolean): { sent: number; delivered: number; corrupted: number; placements: number; refusals: number } {
  const next = seededRandom(seed);
  const { writer, links, send } = fan(3, { ringBytes: 1 << 13, slabBytes: 1 << 14, ringStart: 0x7fff_f000 });
  if (forgetful) writer.committed = () => {};
  const pending: Array<Array<{ seq: number }>> = links.map(() => []);
  let sent = 0;
  let delivered = 0;
  let corrupted = 0;
  const source = new Uint8Array(1 << 14);
  const recent: Array<ReturnType<typeof accept>> = [];
  let retransmitted = 0;
  /** To every link: a link whose ring is full takes it alone once its receiver made room (a real sender holds it meanwhile). */
  const sendWhole = (message: ReturnType<typeof accept>): void => {
    send(message).forEach((ok, i) => {
      if (ok) pending[i]!.push({ seq: message.slot });
      while (!ok) {
        links[i]!.inbox.drain((_from, m) => check(i, m), 1, () => i === 0);
        ok = links[i]!.outbox.trySend(message);
        if (ok) pending[i]!.push({ seq: message.slot });
      }
    });
  };
  const check = (link: number, m: unknown): void => {
    const { slot, value } = m as ReturnType<typeof accept>;
    const expected = pending[link]!.shift();
    if (expected?.seq !== slot || !matches(slot, value)) corrupted++;
    delivered++;
  };
  for (let step = 0; step < 4000; step++) {
    if (next() < 0.1 && recent.length > 0) {
      // A retransmission: a message sent before, the same object, to every link again.
      const again = recent[Math.floor(next() * recent.length)]!;
      sendWhole(again);
      retransmitted++;
    } else if (next() < 0.55) {
      const seq = ++sent;
      const length = 900 + Math.floor(next() * 3000);
      const at = Math.floor(next() * 64);
      const value = pattern(seq, length, source.subarray(at, at + length)).slice();
      const message = accept(seq, value);
      sendWhole(message);
      recent.push(message);
      if (recent.length > 8) recent.shift();
    } else {
      const i = Math.floor(next() * 3);
      links[i]!.inbox.drain((_from, m) => check(i, m), 1 + Math.floor(next() * 3), () => i === 0);
    }
  }
  for (let i = 0; i < 3; i++) while (links[i]!.inbox.drain((_from, m) => check(i, m), 256, () => i === 0) > 0);
  return { sent: sent + retransmitted, delivered, corrupted, placements: writer.placements, refusals: writer.refusals };
}
