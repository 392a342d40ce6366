// Values by reference through the leader's slab (src/mailbox/value-slab.ts), across the faults
// that make them hard: an acceptor killed with references still waiting in its ring (its next
// incarnation reads them), a leader killed (the other proposer leads with its own slab), and the
// first leader back (a second incarnation of its actor, which finds its slab claimed and sends
// inline, while references of its first life may still wait in rings). Every acknowledged entry
// must read back byte for byte at its index.
import { describe, expect, it } from 'vitest';
import type { ReplicatedLog } from 'synod';
import { closedAfterEach, readBackExact } from './helpers.js';

const { openLog } = closedAfterEach();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An entry of 1-5 KiB (most go by reference) whose every byte says which one it is. */
function entry(seq: number): Uint8Array {
  const bytes = new Uint8Array(1024 + ((seq * 977) % 4096));
  for (let i = 0; i < bytes.length; i++) bytes[i] = (seq * 131 + i * 7) & 255;
  return bytes;
}

async function appendBurst(log: ReplicatedLog, from: number, count: number, acknowledged: Map<number, number>): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const seq = from + i;
      acknowledged.set(seq, await log.append(entry(seq)));
    }),
  );
}

/** Reads the whole log: every entry at an acknowledged index, byte for byte (`acknowledged`: seq -> index); returns how many were read. */
function readBack(log: ReplicatedLog, acknowledged: Map<number, number>): Promise<number> {
  return readBackExact(log, new Map([...acknowledged].map(([seq, index]) => [index, seq])), entry);
}

/** Values the proposers placed in or kept by their slabs, and those that went inline, all proposers together. */
async function slabCounts(log: ReplicatedLog): Promise<{ throughSlab: number; inline: number }> {
  let throughSlab = 0;
  let inline = 0;
  for (const actor of await log.cluster.actors()) {
    if (actor.role !== 'proposer') continue;
    const counters = await log.cluster.counters(actor.id);
    throughSlab += counters.slabPlacements! + counters.slabKeeps!;
    inline += counters.slabInline!;
  }
  return { throughSlab, inline };
}

async function leaderId(log: ReplicatedLog): Promise<number> {
  for (let i = 0; i < 400; i++) {
    const leader = (await log.cluster.actors()).find((actor) => actor.leader && actor.alive);
    if (leader !== undefined) return leader.id;
    await sleep(5);
  }
  throw new Error('no leader');
}

describe('values by reference across restarts', () => {
  it('counts what went through the leader\'s slab and what inline; a leader on its second life has no slab to count', async () => {
    const log = await openLog();
    for (let seq = 0; seq < 20; seq++) await log.append(entry(seq));
    const leader = await leaderId(log);
    const counters = await log.cluster.counters(leader);
    // A batch of 1 KiB or more is kept in the slab as it comes (its Accepts reference it there); others are placed when sent.
    expect(counters.slabPlacements! + counters.slabKeeps!).toBeGreaterThanOrEqual(20);
    expect(counters.slabKeeps).toBeGreaterThanOrEqual(1);
    expect(counters.slabInline).toBe(0);
    await log.cluster.kill(leader, { restart: false });
    await log.cluster.restart(leader);
    const again = await log.cluster.counters(leader);
    expect(again.slabPlacements).toBeUndefined();
    expect(again.received).toBeGreaterThanOrEqual(0);
  });

  it('reads back every acknowledged entry exact after an acceptor, the leader and the next leader were killed mid-burst', async () => {
    const log = await openLog({ appendTimeoutMs: 10_000 });
    const acknowledged = new Map<number, number>();
    await appendBurst(log, 0, 64, acknowledged);

    const acceptor = (await log.cluster.actors()).find((actor) => actor.role === 'acceptor')!.id;
    const during = appendBurst(log, 64, 64, acknowledged);
    await log.cluster.kill(acceptor);
    await during;

    const first = await leaderId(log);
    const failover = appendBurst(log, 128, 64, acknowledged);
    await log.cluster.kill(first);
    await failover;
    await appendBurst(log, 192, 64, acknowledged);

    // The second leader goes too: the first one, back, leads on its second life (values inline).
    const second = await leaderId(log);
    expect(second).not.toBe(first);
    const again = appendBurst(log, 256, 64, acknowledged);
    await log.cluster.kill(second);
    await again;
    await appendBurst(log, 320, 64, acknowledged);

    expect(acknowledged.size).toBe(384);
    expect(await readBack(log, acknowledged)).toBe(384);
    const status = await log.status();
    expect(status.actors.find((actor) => actor.id === first)!.restarts).toBeGreaterThanOrEqual(1);
  });

  it('a learner killed while it keeps values in the leader\'s slab: its next life lets go of them, and every entry reads back exact', async () => {
    const log = await openLog({ appendTimeoutMs: 10_000 });
    const acknowledged = new Map<number, number>();
    await appendBurst(log, 0, 64, acknowledged);
    const learner = (await log.cluster.actors()).find((actor) => actor.role === 'learner')!.id;
    expect((await log.cluster.counters(learner)).slabKept).toBeGreaterThanOrEqual(0);
    const during = appendBurst(log, 64, 128, acknowledged);
    await log.cluster.kill(learner);
    await during;
    // Summed over the proposers: on a loaded machine (the whole suite at once) leadership may move
    // meanwhile, and the one leading when asked would then place none of them.
    const before = await slabCounts(log);
    await appendBurst(log, 192, 64, acknowledged);
    // One at a time, more bytes than the leader's slab holds (2 MiB): the slab must be reused.
    for (let seq = 256; seq < 1100; seq++) acknowledged.set(seq, await log.append(entry(seq)));
    // The restarted learner lets go of what it kept in its first life and of what it delivers: the
    // leader's slab is reused, and every value goes through it (a hold never let go would fill it,
    // and the values would go inline from then on).
    const after = await slabCounts(log);
    expect(after.throughSlab - before.throughSlab).toBeGreaterThanOrEqual(800);
    expect(after.inline - before.inline).toBeLessThan(32);

    expect(await readBack(log, acknowledged)).toBe(1100);
    expect((await log.status()).actors.find((actor) => actor.id === learner)!.restarts).toBeGreaterThanOrEqual(1);
  });
});
