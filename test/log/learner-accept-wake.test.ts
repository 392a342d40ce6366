import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { acceptWakesLearners } from '../../src/log/actors/learner-accept-wake.js';

const layout = (acceptors: number, learners = 1) => ({
  proposers: [0, 1],
  acceptors: Array.from({ length: acceptors }, (_, i) => 2 + i),
  learners: Array.from({ length: learners }, (_, i) => 2 + acceptors + i),
});

// The leader's Accept wakes a learner only where every thread of the log (its actors and one for
// the callers) has a core of its own; elsewhere the acceptors' votes wake it.
describe('acceptWakesLearners', () => {
  it('wakes learners with a core for every actor thread and the callers, not with fewer', () => {
    // 2 proposers, 3 acceptors, 1 learner: 6 actor threads and the callers'.
    expect(acceptWakesLearners(layout(3), 16)).toBe(true);
    expect(acceptWakesLearners(layout(3), 7)).toBe(true);
    expect(acceptWakesLearners(layout(3), 6)).toBe(false);
    expect(acceptWakesLearners(layout(3), 2)).toBe(false);
    // More actors need more cores.
    expect(acceptWakesLearners(layout(5), 8)).toBe(false);
    expect(acceptWakesLearners(layout(5), 9)).toBe(true);
    expect(acceptWakesLearners(layout(3, 3), 8)).toBe(false);
    expect(acceptWakesLearners(layout(3, 3), 9)).toBe(true);
  });

  it("asks this machine's core count when given none", () => {
    expect(acceptWakesLearners(layout(3))).toBe(availableParallelism() >= 7);
  });
});
