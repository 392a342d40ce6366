// Seeds over a piscina pool (`npm run sim -- --seeds N --workers K`): the same runs as on one
// thread, so the same totals, and the same first failing seed when there is one.
import { describe, expect, it } from 'vitest';
import { runSeeds, runSeedsOnPool } from 'synod/sim';


describe('seeds on a worker pool', () => {
  it('runs every seed once: the totals match a run on one thread', async () => {
    const pooled = await runSeedsOnPool(5000, 600, { workers: 2 });
    const single = runSeeds(5000, 600);
    expect(pooled.failedSeed).toBe(-1);
    expect(pooled.runs).toBe(600);
    expect(pooled.events).toBe(single.events);
    expect(pooled.commandsDelivered).toBe(single.commandsDelivered);
  });

  it('finds the same first failing seed as one thread does, for a deliberately broken acceptor', async () => {
    const single = runSeeds(0, 1000, { bug: 'forgetAcceptedOnRestart' });
    expect(single.failures).toHaveLength(1);
    const pooled = await runSeedsOnPool(0, 1000, { workers: 2, bug: 'forgetAcceptedOnRestart' });
    expect(pooled.failedSeed).toBe(single.failures[0]!.seed);
  });
});
