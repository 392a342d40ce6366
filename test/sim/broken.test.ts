// Proof that the checks bite: with deliberately broken acceptors, the ordinary random seeds
// (same profile as the clean runs) must find a violation within a bounded number of seeds.
import { describe, expect, it } from 'vitest';
import { runSeed } from 'synod/sim';
import type { AcceptorBreak } from 'synod/sim';

const SAFETY_RULES = ['one-value-per-slot', 'one-value-per-ballot', 'deliver-chosen', 'prefix', 'exactly-once', 'acked-position'];

/** The first seed whose run breaks a safety rule (a broken acceptor may also stall a run first: that is not the proof sought). */
function firstViolation(acceptorBreak: AcceptorBreak, seedsMax: number): { seed: number; rule: string } | null {
  for (let seed = 1; seed <= seedsMax; seed++) {
    const result = runSeed(seed, { acceptorBreak });
    if (result.violation !== null && SAFETY_RULES.includes(result.violation.rule)) return { seed, rule: result.violation.rule };
  }
  return null;
}

describe('the simulator catches deliberately broken acceptors', () => {
  it('an acceptor that accepts below its promise: two values chosen for one slot within 50 seeds', () => {
    const found = firstViolation('acceptBelowPromise', 50);
    expect(found).not.toBeNull();
    expect(found!.rule).toBe('one-value-per-slot');
  });

  it('an acceptor that forgets what it accepted on restart: caught within 200 seeds', () => {
    // First caught at seed 154 (at 18 before stale leaders were Nacked on their heartbeats, which changed the runs).
    const found = firstViolation('forgetAcceptedOnRestart', 200);
    expect(found).not.toBeNull();
    expect(SAFETY_RULES).toContain(found!.rule);
  });

  it('an acceptor that forgets its promise on restart: caught within 400 seeds', () => {
    const found = firstViolation('forgetPromiseOnRestart', 400);
    expect(found).not.toBeNull();
    expect(SAFETY_RULES).toContain(found!.rule);
  });

  it('an acceptor that promises an equal ballot (lets a restarted proposer reuse one): caught within 2500 seeds', () => {
    const found = firstViolation('promiseEqualBallot', 2500);
    expect(found).not.toBeNull();
    expect(SAFETY_RULES).toContain(found!.rule);
  });
});
