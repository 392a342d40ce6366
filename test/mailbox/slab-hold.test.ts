// A receiver that keeps values of its sender's value slab past their records (src/mailbox/slab-hold.ts):
// what it keeps is never written over until it lets go, whatever it keeps and in which order.
import { describe, expect, it } from 'vitest';
import {
  Inbox,
  MessageCodec,
  Outbox,
  RING_HEAD_INDEX,
  RING_SLAB_HOLDS_INDEX,
  RING_SLAB_RELEASED_INDEX,
  RING_TAIL_INDEX,
  SLAB_HOLD_LAG_BYTES_MAX,
  SLAB_HOLD_RING_BYTES_MAX,
  RING_CAPACITY_BYTES_MAX,
  SlabHold,
  slabHoldLagBytesMax,
  ValueSlabWriter,
  createDoorbell,
  createRing,
  createValueSlab,
} from 'synod/mailbox';
import { seededRandom } from '../storage/backends.js';
import { accept, matches, pattern, type Accept } from './value-patterns.js';


function setPositions(ring: SharedArrayBuffer, position: number): void {
  const words = new Int32Array(ring);
  Atomics.store(words, RING_TAIL_INDEX, position);
  Atomics.store(words, RING_HEAD_INDEX, position);
}

describe('slab hold', () => {
  it('decodes references on a holding link as views of the slab, and binaries in the record as copies', () => {
    const slab = createValueSlab(1 << 16);
    const ring = createRing(1 << 16);
    const doorbell = createDoorbell();
    const outbox = new Outbox(ring, doorbell, new MessageCodec(), undefined, ValueSlabWriter.claim(slab)!);
    const inbox = new Inbox(doorbell, undefined, new MessageCodec());
    inbox.addLink(1, ring, slab, true);
    expect(outbox.trySend(accept(1, pattern(1, 4000)))).toBe(true);
    expect(outbox.trySend(accept(2, pattern(2, 100)))).toBe(true);
    const received: Accept[] = [];
    inbox.drain((_from, m) => received.push(m as Accept));
    expect(received[0]!.value.buffer).toBe(slab);
    expect(matches(1, received[0]!.value)).toBe(true);
    expect(received[1]!.value.buffer).not.toBe(ring);
    expect(received[1]!.value.buffer).not.toBe(slab);
    expect(matches(2, received[1]!.value)).toBe(true);
  });

  it('publishes the oldest kept record as released, in any order of letting go, and the head when nothing is kept', () => {
    const ring = createRing(1 << 12);
    const start = 0x7fff_ff00; // just short of the Int32 wrap: compared as the ring compares positions
    setPositions(ring, start);
    const words = new Int32Array(ring);
    const hold = new SlabHold(ring);
    expect(Atomics.load(words, RING_SLAB_HOLDS_INDEX)).toBe(1);
    expect(Atomics.load(words, RING_SLAB_RELEASED_INDEX)).toBe(start);
    // Three records consumed (the head moves past the wrap), kept with keys out of ring order.
    const at = [start, (start + 0x80) | 0, (start + 0x180) | 0];
    Atomics.store(words, RING_HEAD_INDEX, (start + 0x200) | 0);
    hold.keep(at[0]!, 9);
    // Let go no later than the record before it, which holds the position below it: not noted.
    hold.keep(at[1]!, 5);
    hold.keep(at[2]!, 12);
    expect(hold.kept).toBe(2);
    // Nothing below 6 was noted: the oldest is still the one before the wrap (a larger Int32 than the other).
    expect(hold.release(6)).toBe(true);
    expect(hold.released).toBe(at[0]);
    expect(hold.kept).toBe(2);
    expect(hold.release(10)).toBe(true);
    expect(hold.released).toBe(at[2]);
    expect(at[2]).toBeLessThan(0);
    hold.releaseAll();
    expect(hold.kept).toBe(0);
    expect(hold.released).toBe((start + 0x200) | 0);
    // A receiver that goes releases up to its head and leaves the flag for its next incarnation.
    hold.keep((start + 0x200) | 0, 50);
    Atomics.store(words, RING_HEAD_INDEX, (start + 0x300) | 0);
    hold.end();
    expect(hold.released).toBe((start + 0x300) | 0);
    expect(Atomics.load(words, RING_SLAB_HOLDS_INDEX)).toBe(1);
  });

  it('lets go of a long run of kept records a prefix at a time, its arrays compacted as it goes', () => {
    const ring = createRing(1 << 12);
    const words = new Int32Array(ring);
    const hold = new SlabHold(ring);
    for (let i = 0; i < 3000; i++) hold.keep(i * 8, i);
    Atomics.store(words, RING_HEAD_INDEX, 3000 * 8);
    for (let below = 0; below < 3000; below += 7) {
      expect(hold.release(below)).toBe(true);
      expect(hold.released).toBe(below * 8);
      expect(hold.kept).toBe(3000 - below + (below > 0 ? 1 : 0));
      hold.keep(3000 * 8, 100_000); // a record consumed since, kept for long: noted once, at the back
    }
    hold.releaseAll();
    expect(hold.released).toBe(3000 * 8);
  });

  it('says when what it keeps lags its head past the bound, and refuses bounds it cannot honour', () => {
    const ring = createRing(1 << 12);
    const words = new Int32Array(ring);
    const hold = new SlabHold(ring, 1000);
    hold.keep(0, 1);
    Atomics.store(words, RING_HEAD_INDEX, 1000);
    expect(hold.release(0)).toBe(true);
    Atomics.store(words, RING_HEAD_INDEX, 1008);
    expect(hold.release(0)).toBe(false);
    expect(hold.released).toBe(0);
    hold.releaseAll();
    expect(hold.released).toBe(1008);
    // The largest bound, at a head that far past a kept record across the wrap.
    const far = new SlabHold(createRing(1 << 12));
    far.keep(0x7fff_fff8, 1);
    expect(far.release(0)).toBe(true);
    expect(() => new SlabHold(ring, SLAB_HOLD_LAG_BYTES_MAX + 1)).toThrow(RangeError);
    expect(() => new SlabHold(ring, 0)).toThrow(RangeError);
  });

  it('holds on rings up to SLAB_HOLD_RING_BYTES_MAX, with a lag bound that keeps every tracked record within the sender\'s comparison; copies on larger ones', () => {
    // What the sender may still track: records ending a capacity past the head, the head a
    // capacity past the last check, that check at most the bound past the released position.
    for (const capacity of [1 << 16, 1 << 20, SLAB_HOLD_RING_BYTES_MAX]) {
      expect(2 * capacity + slabHoldLagBytesMax(capacity)).toBeLessThan(2 ** 31);
      expect(slabHoldLagBytesMax(capacity)).toBeGreaterThan(0);
    }
    const largest = createRing(SLAB_HOLD_RING_BYTES_MAX);
    const words = new Int32Array(largest, 0, 32);
    const hold = new SlabHold(largest);
    hold.keep(0, 1);
    Atomics.store(words, RING_HEAD_INDEX, slabHoldLagBytesMax(SLAB_HOLD_RING_BYTES_MAX));
    expect(hold.release(0)).toBe(true);
    Atomics.store(words, RING_HEAD_INDEX, slabHoldLagBytesMax(SLAB_HOLD_RING_BYTES_MAX) + 8);
    expect(hold.release(0)).toBe(false);
    // The largest ring of all holds nothing: its receiver gets copies.
    expect(RING_CAPACITY_BYTES_MAX).toBeGreaterThan(SLAB_HOLD_RING_BYTES_MAX);
    const tooLarge = createRing(RING_CAPACITY_BYTES_MAX);
    expect(() => new SlabHold(tooLarge)).toThrow(RangeError);
    const slab = createValueSlab(1 << 16);
    const doorbell = createDoorbell();
    const outbox = new Outbox(tooLarge, doorbell, new MessageCodec(), undefined, ValueSlabWriter.claim(slab)!);
    const inbox = new Inbox(doorbell, undefined, new MessageCodec());
    inbox.addLink(1, tooLarge, slab, true);
    expect(inbox.slabHold(1)).toBeUndefined();
    expect(outbox.trySend(accept(1, pattern(1, 4000)))).toBe(true);
    const received: Accept[] = [];
    inbox.drain((_from, m) => received.push(m as Accept));
    expect(received[0]!.value.buffer).not.toBe(slab);
    expect(matches(1, received[0]!.value)).toBe(true);
  });

  it('keeps every value a receiver holds intact until it lets go, whatever it keeps, for how long, and in which order', () => {
    for (const seed of [1, 2, 3, 20_261_205]) {
      const outcome = run(seed, false);
      expect(outcome.corrupted, `seed ${seed}`).toBe(0);
      expect(outcome.delivered).toBe(outcome.sent * 3);
      // The run reached both ends: values kept by reference, and values inline while the slab was full.
      expect(outcome.keptMax).toBeGreaterThan(5);
      expect(outcome.placements).toBeGreaterThan(100);
      expect(outcome.refusals).toBeGreaterThan(10);
    }
  });

  it('the same check catches a sender that frees by the head while its receiver keeps values', () => {
    expect(run(1, true).corrupted).toBeGreaterThan(0);
  });
});

/**
 * One writer fans Accepts out to three receivers on small rings (wraps) near the Int32 wrap, with a
 * small slab (often full: values then go inline): one decodes copies, one takes records in place,
 * one holds: it keeps each value it receives under a random key and lets go below a random key at
 * random moments, and every value it keeps is checked at every step. `flagCleared`: the holding
 * receiver's flag is cleared behind its back, so the sender frees by the head, the bug the check
 * must catch.
 */
function run(seed: number, flagCleared: boolean) {
  const next = seededRandom(seed);
  const slab = createValueSlab(1 << 16);
  const writer = ValueSlabWriter.claim(slab)!;
  const codec = new MessageCodec();
  const links = [0, 1, 2].map((i) => {
    const doorbell = createDoorbell();
    const ring = createRing(1 << 13);
    setPositions(ring, 0x7fff_f000);
    const outbox = new Outbox(ring, doorbell, codec, undefined, writer);
    const inbox = new Inbox(doorbell, undefined, new MessageCodec());
    inbox.addLink(1, ring, slab, i === 2);
    return { ring, outbox, inbox };
  });
  const hold = links[2]!.inbox.slabHold(1)!;
  if (flagCleared) Atomics.store(new Int32Array(links[2]!.ring), RING_SLAB_HOLDS_INDEX, 0);
  const kept = new Map<number, { key: number; value: Uint8Array }[]>();
  let keptCount = 0;
  /** The step: what is kept is let go a while after. */
  let clock = 0;
  let keptMax = 0;
  const pending: number[][] = [[], [], []];
  let sent = 0;
  let delivered = 0;
  let corrupted = 0;
  const check = (i: number, m: unknown): void => {
    const { slot, value } = m as Accept;
    if (pending[i]!.shift() !== slot || !matches(slot, value)) corrupted++;
    delivered++;
    if (i === 2) {
      // Kept for a random while (a slot chosen soon, or much later).
      const key = clock + Math.floor(next() * (next() < 0.1 ? 400 : 40));
      links[2]!.inbox.keepHanded(key);
      const list = kept.get(key) ?? [];
      list.push({ key: slot, value });
      kept.set(key, list);
      keptCount++;
      keptMax = Math.max(keptMax, keptCount);
    }
  };
  const drain = (i: number, count: number): number => links[i]!.inbox.drain((_from, m) => check(i, m), count, () => i === 1);
  const letGo = (below: number): void => {
    for (const key of [...kept.keys()]) {
      if (key >= below) continue;
      keptCount -= kept.get(key)!.length;
      kept.delete(key);
    }
    hold.release(below);
    if (flagCleared) Atomics.store(new Int32Array(links[2]!.ring), RING_SLAB_HOLDS_INDEX, 0);
  };
  const verifyKept = (): void => {
    for (const list of kept.values()) for (const { key: slot, value } of list) if (!matches(slot, value)) corrupted++;
  };
  const source = new Uint8Array(1 << 13);
  for (let step = 0; step < 4000; step++) {
    clock = step;
    const roll = next();
    if (roll < 0.5) {
      const seq = ++sent;
      const length = 900 + Math.floor(next() * 2500);
      const at = Math.floor(next() * 64);
      const message = accept(seq, pattern(seq, length, source.subarray(at, at + length)).slice());
      links.forEach((link, i) => {
        let ok = i === 0 ? link.outbox.trySend(message) : link.outbox.trySendAgain(message, links[i - 1]!.outbox);
        while (!ok) {
          drain(i, 1);
          ok = link.outbox.trySend(message);
        }
        pending[i]!.push(seq);
      });
    } else if (roll < 0.9) {
      drain(Math.floor(next() * 3), 1 + Math.floor(next() * 3));
    } else {
      letGo(clock - Math.floor(next() * 20));
    }
    verifyKept();
  }
  for (let i = 0; i < 3; i++) while (drain(i, 256) > 0);
  verifyKept();
  letGo(Number.POSITIVE_INFINITY);
  return { sent, delivered, corrupted, keptMax, placements: writer.placements, refusals: writer.refusals };
}
