// The rehearsal every proposer thread runs at start (src/log/actors/leader-warmup.ts): it must
// really lead, take batches and take over, or it warms nothing.
import { describe, expect, it } from 'vitest';
import { ReplicatedLog } from 'synod';
import { warmUpLeaderPaths } from '../../src/log/actors/leader-warmup.js';

const defaults = { layout: { proposers: [0, 1], acceptors: [2, 3, 4], learners: [5] }, heartbeatIntervalMs: 20, electionTimeoutMs: 100, windowSlotsMax: 64, windowBytesMax: 1 << 19, batchCommandsMax: 256, batchBytesMax: 1 << 20, pendingCommandsMax: 65_536 };

describe('leader warm-up', () => {
  it('wins every term and chooses every batch, each takeover after recovering the term before', () => {
    // 4 terms of 32 batches, one slot each.
    expect(warmUpLeaderPaths(defaults)).toBe(4 * 32);
  });

  it('runs with the smallest window and batch a log accepts', () => {
    expect(warmUpLeaderPaths({ ...defaults, windowSlotsMax: 1, windowBytesMax: 1, batchCommandsMax: 1 })).toBeGreaterThanOrEqual(4 * 32);
  });

  it('runs in the standby of a real log without failing, and the standby then takes over', async () => {
    const log = await ReplicatedLog.open();
    try {
      expect(await log.append(new Uint8Array([1]))).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 600)); // past the warm-up delay (250 ms)
      const proposers = (await log.cluster.actors()).filter((actor) => actor.role === 'proposer');
      expect(proposers).toHaveLength(2);
      for (const { id } of proposers) expect((await log.cluster.counters(id)).warmUpFailed).toBeUndefined();
      const leader = proposers.find((actor) => actor.leader)!;
      await log.cluster.kill(leader.id, { restart: false }); // the standby alone takes over
      expect(await log.append(new Uint8Array([2]))).toBe(1);
    } finally {
      await log.close();
    }
  });
});
