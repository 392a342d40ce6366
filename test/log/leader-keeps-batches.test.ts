// The leader keeps its clients' batches in its value slab while they wait for a slot
// (proposer-actor.ts keepCommands, ValueSlabWriter.keep): a narrow window makes them wait across
// many turns while a small slab is written round again and again. Every acknowledged entry must
// read back byte for byte: a leader that let the slab reuse a batch still queued (or a slot still
// in flight) would send other bytes under its commands. Checked: with the proposer's
// keptSlabViews visiting nothing, this test fails.
import { describe, expect, it } from 'vitest';
import { closedAfterEach, readBackExact } from './helpers.js';

const { openLog } = closedAfterEach();

/** An entry of 1-4 KiB whose every byte says which one it is. */
function entry(seq: number): Uint8Array {
  const bytes = new Uint8Array(1024 + ((seq * 977) % 3072));
  for (let i = 0; i < bytes.length; i++) bytes[i] = (seq * 131 + i * 7) & 255;
  return bytes;
}

describe("a leader's queued batches in its slab", () => {
  it('stay exact while they wait for a slot across turns and the slab is written round', async () => {
    // Rings of 64 KiB: a slab of 128 KiB, of which kept batches take at most half. One slot in
    // flight of one command: a burst of 48 appends waits in the queue, batch by batch.
    const log = await openLog({ ringBytes: 1 << 16, windowSlotsMax: 1, batchCommandsMax: 1 });
    const acknowledged = new Map<number, number>();
    for (let wave = 0; wave < 12; wave++) {
      await Promise.all(
        Array.from({ length: 48 }, async (_, i) => {
          const seq = wave * 48 + i;
          acknowledged.set(await log.append(entry(seq)), seq);
        }),
      );
    }
    expect(await readBackExact(log, acknowledged, entry)).toBe(12 * 48);
    const leader = (await log.cluster.actors()).find((actor) => actor.leader && actor.alive)!;
    // One leader throughout (a leader that trips over a view it let go of dies of it).
    expect(leader.restarts).toBe(0);
    const counters = await log.cluster.counters(leader.id);
    // Both paths ran: batches kept in the slab, and batches kept elsewhere while it was full.
    expect(counters.slabKeeps).toBeGreaterThan(20);
    expect(counters.slabKeepRefusals).toBeGreaterThan(0);
  });
});
