// fast-check drives the fault schedule (and the network) instead of the seed's own draw, and
// shrinks a failing schedule to a small one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runSeed } from 'synod/sim';
import type { DeliberateBug, FaultAction, FaultPlan, NetworkFaults } from 'synod/sim';

const CHAOS_MS = 1200;
const atMs = fc.integer({ min: 0, max: CHAOS_MS - 1 });
const node = fc.nat({ max: 15 });
const faultAction: fc.Arbitrary<FaultAction> = fc.oneof(
  fc.record({ atMs, kind: fc.constant('crash' as const), node }),
  fc.record({ atMs, kind: fc.constant('restart' as const), node }),
  fc.record({ atMs, kind: fc.constant('partition' as const), side: fc.uniqueArray(node, { maxLength: 6 }) }),
  fc.record({ atMs, kind: fc.constant('heal' as const) }),
);
const faultPlan: fc.Arbitrary<FaultPlan> = fc
  .array(faultAction, { maxLength: 24 })
  .map((plan) => [...plan].sort((a, b) => a.atMs - b.atMs));
const network: fc.Arbitrary<NetworkFaults> = fc.record({
  dropRate: fc.constantFrom(0, 0.05, 0.1, 0.2),
  duplicateRate: fc.constantFrom(0, 0.05, 0.2),
  delayMinMs: fc.constant(1),
  delayMaxMs: fc.integer({ min: 1, max: 40 }),
  slowRate: fc.constantFrom(0, 0.02, 0.05),
  slowDelayMaxMs: fc.integer({ min: 0, max: 300 }),
});
const seed = fc.integer({ min: 0, max: 0x7fffffff });

function violationOf(s: number, plan: FaultPlan, net: NetworkFaults, bug?: DeliberateBug): string | null {
  const result = runSeed(s, { plan, network: net, chaosMs: CHAOS_MS, bug });
  return result.violation === null ? null : result.violation.message;
}

describe('fast-check schedules', () => {
  it('every generated schedule keeps safety and liveness with correct acceptors', () => {
    fc.assert(
      fc.property(seed, faultPlan, network, (s, plan, net) => {
        expect(violationOf(s, plan, net)).toBeNull();
      }),
      { numRuns: 500, seed: 20240501 },
    );
  });

  it('finds a broken acceptor and shrinks the failing schedule to a few faults', () => {
    const details = fc.check(
      fc.property(seed, faultPlan, network, (s, plan, net) => violationOf(s, plan, net, 'acceptBelowPromise') === null),
      { numRuns: 500, seed: 7 },
    );
    expect(details.failed).toBe(true);
    const [s, plan, net] = details.counterexample!;
    // The shrunk case still fails, and is small enough to read.
    expect(violationOf(s, plan, net, 'acceptBelowPromise')).toMatch(/one-value-per-slot|one-value-per-ballot|deliver-chosen|prefix/);
    expect(plan.length).toBeLessThanOrEqual(4);
    expect(details.numShrinks).toBeGreaterThan(0);
  });
});
