// A value slab's owner keeping values in it (ValueSlabWriter.keep(): a proposer's queued client
// commands, copied once out of the ring they came on): a record that sends a kept view references
// it where it lies, and nothing the owner still visits, or a ring still references, is written over.
import { describe, expect, it } from 'vitest';
import { Inbox, MessageCodec, Outbox, VALUE_REF_MIN_BYTES, ValueSlabWriter, createDoorbell, createRing, createValueSlab } from 'synod/mailbox';
import { seededRandom } from '../storage/backends.js';
import { accept, matches, pattern } from './value-patterns.js';

/** One writer of a slab of `slabBytes` and `count` receivers, a ring each. */
function fan(count: number, slabBytes: number, ringBytes = 1 << 16) {
  const slab = createValueSlab(slabBytes);
  const writer = ValueSlabWriter.claim(slab)!;
  const codec = new MessageCodec();
  const links = Array.from({ length: count }, () => {
    const doorbell = createDoorbell();
    const ring = createRing(ringBytes);
    const outbox = new Outbox(ring, doorbell, codec, undefined, writer);
    const inbox = new Inbox(doorbell, undefined, new MessageCodec());
    inbox.addLink(1, ring, slab);
    return { ring, outbox, inbox };
  });
  return { slab, writer, links };
}

/** The owner's kept views, visited as ownerViews asks (or not at all: a deliberately forgetful owner). */
function ownedBy(writer: ValueSlabWriter, forgetful = false): Array<{ seq: number; view: Uint8Array }> {
  const kept: Array<{ seq: number; view: Uint8Array }> = [];
  writer.ownerViews = (visit) => {
    if (!forgetful) for (const { view } of kept) visit(view);
  };
  return kept;
}

describe('values the owner keeps in its slab', () => {
  it('keeps a copy in the slab, and a record that sends it (or a range of it) references it there: no second copy', () => {
    const { slab, writer, links } = fan(2, 1 << 16);
    const kept = ownedBy(writer);
    const source = pattern(3, 5000);
    const view = writer.keep(source)!;
    expect(view.buffer).toBe(slab);
    expect(matches(3, view)).toBe(true);
    kept.push({ seq: 3, view });
    source.fill(0); // the ring it came from moves on
    expect(writer.keeps).toBe(1);
    const before = links.map((link) => link.outbox.producer.position);
    expect(links[0]!.outbox.trySend(accept(3, view))).toBe(true);
    expect(links[1]!.outbox.trySend(accept(3, view.subarray(0, VALUE_REF_MIN_BYTES)))).toBe(true);
    expect(writer.placements).toBe(0);
    links.forEach((link, i) => expect(link.outbox.producer.position - before[i]!).toBeLessThan(80));
    const received: Uint8Array[] = [];
    for (const link of links) link.inbox.drain((_from, m) => received.push((m as ReturnType<typeof accept>).value));
    expect(received.map((value) => value.length)).toEqual([5000, VALUE_REF_MIN_BYTES]);
    expect(received.every((value) => matches(3, value))).toBe(true);
  });

  it('keeps at most half the slab, and keeps again once the owner lets go of what it kept', () => {
    const { writer } = fan(1, 16_384);
    const kept = ownedBy(writer);
    let seq = 0;
    for (;;) {
      const view = writer.keep(pattern(++seq, 3000));
      if (view === undefined) break;
      kept.push({ seq, view });
    }
    expect(kept).toHaveLength(2); // a third would pass 8192 bytes
    expect(writer.keepRefusals).toBe(1);
    expect(writer.liveBytes).toBeLessThanOrEqual(8192);
    kept.length = 0;
    expect(writer.liveBytes).toBe(0);
    expect(writer.keep(pattern(99, 3000))).toBeDefined();
    expect(writer.keep(new Uint8Array(8193))).toBeUndefined();
  });

  it('throws rather than reference a view the owner let go of and the slab since wrote over', () => {
    const { writer, links } = fan(1, 16_384);
    ownedBy(writer, true);
    const a = writer.keep(pattern(1, 3000))!;
    // Needs room past half the slab: the writer reclaims, and the forgetful owner visited nothing.
    expect(writer.keep(pattern(2, 6000))).toBeDefined();
    expect(() => links[0]!.outbox.trySend(accept(1, a))).toThrow(/outside its live bytes/);
  });

  it('never writes over a kept view or a referenced one, whatever the receivers lag and the owner keeps (seeded)', () => {
    const outcome = run(20_261_205, false);
    expect(outcome.corrupted).toBe(0);
    expect(outcome.delivered).toBe(outcome.sent);
    // Both ends ran: kept values referenced where they lie, others placed, some refused for room.
    expect(outcome.keeps).toBeGreaterThan(100);
    expect(outcome.keepRefusals).toBeGreaterThan(10);
    expect(outcome.placements).toBeGreaterThan(100);
  });

  it('the same check catches an owner that does not visit what it keeps', () => {
    const outcome = run(20_261_205, true);
    expect(outcome.corrupted).toBeGreaterThan(0);
  });
});

interface Outcome {
  sent: number;
  delivered: number;
  corrupted: number;
  keeps: number;
  keepRefusals: number;
  placements: number;
}

/**
 * Random steps: the owner keeps values (as a proposer its queued batches), sends kept ones and
 * values of its own to random links (as Accepts and their retransmissions), lets go of kept ones;
 * receivers drain a few records at random. Every value read, and every view still kept, must still
 * say which one it is. An owner that forgets its views corrupts them or trips the writer's check
 * (counted as corrupted).
 */
function run(seed: number, forgetful: boolean): Outcome {
  const next = seededRandom(seed);
  const { writer, links } = fan(3, 1 << 15, 1 << 13);
  const kept = ownedBy(writer, forgetful);
  const expected: number[][] = links.map(() => []);
  let sent = 0;
  let delivered = 0;
  let corrupted = 0;
  const drain = (i: number, max: number): number =>
    links[i]!.inbox.drain((_from, m) => {
      const { slot, value } = m as ReturnType<typeof accept>;
      if (expected[i]!.shift() !== slot || !matches(slot, value)) corrupted++;
      delivered++;
    }, max);
  const sendTo = (i: number, seq: number, value: Uint8Array): void => {
    try {
      while (!links[i]!.outbox.trySend(accept(seq, value))) drain(i, 1);
    } catch {
      corrupted++;
      return;
    }
    expected[i]!.push(seq);
    sent++;
  };
  let seq = 0;
  for (let step = 0; step < 6000; step++) {
    const roll = next();
    if (roll < 0.3) {
      const length = VALUE_REF_MIN_BYTES + Math.floor(next() * 3000);
      const at = Math.floor(next() * 8);
      const source = pattern(++seq, length, new Uint8Array(length + 8).subarray(at, at + length));
      const view = writer.keep(source);
      if (view !== undefined) kept.push({ seq, view });
    } else if (roll < 0.55 && kept.length > 0) {
      const { seq: keptSeq, view } = kept[Math.floor(next() * kept.length)]!;
      sendTo(Math.floor(next() * 3), keptSeq, view);
    } else if (roll < 0.65) {
      const length = VALUE_REF_MIN_BYTES + Math.floor(next() * 3000);
      sendTo(Math.floor(next() * 3), ++seq, pattern(seq, length));
    } else if (roll < 0.8 && kept.length > 0) {
      kept.splice(Math.floor(next() * kept.length), 1);
    } else {
      drain(Math.floor(next() * 3), 1 + Math.floor(next() * 3));
    }
    if (kept.length > 12) kept.shift();
  }
  for (let i = 0; i < 3; i++) while (drain(i, 256) > 0);
  for (const { seq: keptSeq, view } of kept) if (!matches(keptSeq, view)) corrupted++;
  return { sent, delivered, corrupted, keeps: writer.keeps, keepRefusals: writer.keepRefusals, placements: writer.placements };
}
