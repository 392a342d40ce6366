// The supervisor's decisions alone, on a fake clock: backoff, its reset, restart intensity.
import { describe, expect, it } from 'vitest';
import { RestartDecisions, SUPERVISION_DEFAULTS, resolveSupervision } from 'synod/actors';

function decisions(options: Parameters<typeof resolveSupervision>[0]): { decide: RestartDecisions; clock: { nowMs: number } } {
  const clock = { nowMs: 0 };
  return { decide: new RestartDecisions(resolveSupervision(options), () => clock.nowMs), clock };
}

describe('RestartDecisions', () => {
  it('doubles the backoff on each crash of the same actor, up to backoffMaxMs, separately per actor', () => {
    const { decide, clock } = decisions({ backoffInitialMs: 5, backoffMaxMs: 30, intensity: { restarts: 100, periodMs: 1000 } });
    decide.started(1);
    decide.started(2);
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      clock.nowMs += 1;
      const decision = decide.exited(1);
      expect(decision.kind).toBe('restart');
      if (decision.kind === 'restart') delays.push(decision.delayMs);
      decide.started(1);
    }
    expect(delays).toEqual([5, 10, 20, 30, 30, 30]);
    expect(decide.exited(2)).toEqual({ kind: 'restart', delayMs: 5 });
  });

  it('starts the backoff afresh once the actor stayed up backoffResetAfterMs', () => {
    const { decide, clock } = decisions({ backoffInitialMs: 5, backoffMaxMs: 1000, backoffResetAfterMs: 100, intensity: { restarts: 100, periodMs: 1000 } });
    decide.started(1);
    expect(decide.exited(1)).toEqual({ kind: 'restart', delayMs: 5 });
    decide.started(1);
    clock.nowMs += 99; // not long enough
    expect(decide.exited(1)).toEqual({ kind: 'restart', delayMs: 10 });
    decide.started(1);
    clock.nowMs += 100;
    expect(decide.exited(1)).toEqual({ kind: 'restart', delayMs: 5 });
  });

  it('gives up after more than intensity.restarts restarts within intensity.periodMs, and not when they are spread out', () => {
    const { decide, clock } = decisions({ backoffInitialMs: 1, intensity: { restarts: 3, periodMs: 1000 } });
    for (let i = 0; i < 3; i++) {
      clock.nowMs += 10;
      expect(decide.exited(1).kind).toBe('restart');
    }
    clock.nowMs += 10;
    expect(decide.exited(1)).toEqual({ kind: 'giveUp', restartsInPeriod: 3 });
    // Spread out: the oldest restart leaves the window and makes room for one more.
    const spread = decisions({ backoffInitialMs: 1, intensity: { restarts: 3, periodMs: 1000 } });
    for (let i = 0; i < 10; i++) {
      spread.clock.nowMs += 400;
      expect(spread.decide.exited(1).kind).toBe('restart');
    }
  });

  it('forgets an actor: a manual restart after giving up supervises it afresh', () => {
    const { decide } = decisions({ backoffInitialMs: 1, intensity: { restarts: 0, periodMs: 1000 } });
    expect(decide.exited(1).kind).toBe('giveUp');
    decide.forget(1);
    expect(decide.exited(1).kind).toBe('giveUp'); // zero restarts allowed: still none
    const allowed = decisions({ backoffInitialMs: 7, intensity: { restarts: 1, periodMs: 1000 } });
    expect(allowed.decide.exited(1)).toEqual({ kind: 'restart', delayMs: 7 });
    expect(allowed.decide.exited(1).kind).toBe('giveUp');
    allowed.decide.forget(1);
    expect(allowed.decide.exited(1)).toEqual({ kind: 'restart', delayMs: 7 });
  });
});

describe('resolveSupervision', () => {
  it('fills the defaults', () => {
    expect(resolveSupervision(undefined)).toEqual(SUPERVISION_DEFAULTS);
    expect(resolveSupervision({ intensity: { restarts: 2 } })).toEqual({ ...SUPERVISION_DEFAULTS, intensity: { restarts: 2, periodMs: 60_000 } });
  });

  it('rejects bad values naming the option, the value and the limit', () => {
    expect(() => resolveSupervision(5 as never)).toThrow(TypeError);
    expect(() => resolveSupervision({ restart: 'always' as never })).toThrow(/supervision.restart must be one of permanent, temporary, got always/);
    expect(() => resolveSupervision({ backoffInitialMs: -1 })).toThrow(/supervision.backoffInitialMs must be from 0 to 2147483647, got -1/);
    expect(() => resolveSupervision({ backoffInitialMs: 1.5 })).toThrow(TypeError);
    expect(() => resolveSupervision({ backoffInitialMs: 100, backoffMaxMs: 10 })).toThrow(/backoffMaxMs 10 must be at least supervision.backoffInitialMs 100/);
    expect(() => resolveSupervision({ intensity: { periodMs: 0 } })).toThrow(/supervision.intensity.periodMs must be from 1/);
    expect(() => resolveSupervision({ intensity: { restarts: -1 } })).toThrow(RangeError);
    expect(() => resolveSupervision({ intensity: { often: 1 } as never })).toThrow(/unknown supervision.intensity key often/);
    expect(() => resolveSupervision({ restartz: 'permanent' } as never)).toThrow(/unknown supervision key restartz/);
  });
});
