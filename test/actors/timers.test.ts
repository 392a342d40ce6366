// The timers of one worker thread (TimerSet): what fires when, re-arming from a callback, cancels,
// and that the set makes no garbage once its timers exist (it was a fifth of an acceptor's).
import { describe, expect, it } from 'vitest';
import { createAllocationProbe } from '../../bench/micro/allocation.js';
import { SWEEP_DISARMED_FROM_TIMERS, TimerSet } from '../../src/actors/timers.js';

type Fired = Array<[string, string]>;

function collect(timers: TimerSet<string>, nowMs: number): Fired {
  const fired: Fired = [];
  timers.fireDue(nowMs, (owner, key) => fired.push([owner, key]));
  return fired;
}

describe('TimerSet', () => {
  it('fires what is due, earliest first, once, and keeps nextDueMs on the earliest left', () => {
    const timers = new TimerSet<string>();
    expect(timers.nextDueMs).toBe(Number.POSITIVE_INFINITY);
    timers.set('a', 1, 'tick', 30);
    timers.set('b', 2, 'tick', 10);
    timers.set('b', 2, 'election', 20);
    timers.set('a', 1, 'retry', 50);
    expect(timers.nextDueMs).toBe(10);
    expect(collect(timers, 5)).toEqual([]);
    expect(collect(timers, 30)).toEqual([['b', 'tick'], ['b', 'election'], ['a', 'tick']]);
    expect(timers.nextDueMs).toBe(50);
    expect(collect(timers, 40)).toEqual([]);
    expect(collect(timers, 100)).toEqual([['a', 'retry']]);
    expect(timers.nextDueMs).toBe(Number.POSITIVE_INFINITY);
    expect(collect(timers, 1000)).toEqual([]);
  });

  it('a set of the same key moves the timer, a callback may re-arm its own timer, and cancels hold', () => {
    const timers = new TimerSet<string>();
    timers.set('a', 1, 'tick', 10);
    timers.set('a', 1, 'tick', 40); // moved, not doubled
    expect(collect(timers, 20)).toEqual([]);
    let fires = 0;
    const rearm = (owner: string, key: string): void => {
      fires++;
      timers.set(owner, 1, key, 100 * fires);
    };
    timers.fireDue(40, rearm);
    expect(fires).toBe(1);
    expect(timers.nextDueMs).toBe(100);
    timers.fireDue(100, rearm);
    expect(fires).toBe(2);
    timers.cancel(1, 'tick');
    timers.fireDue(1000, rearm);
    expect(fires).toBe(2);

    timers.set('a', 1, 'tick', 10);
    timers.set('b', 2, 'tick', 10);
    timers.cancelAll(1);
    expect(collect(timers, 10)).toEqual([['b', 'tick']]);
  });

  it('does not pile up timers under made-up keys', () => {
    const timers = new TimerSet<string>();
    for (let i = 0; i < 1000; i++) {
      timers.set('a', 1, `resend-${i}`, i);
      if (i % 2 === 0) timers.cancel(1, `resend-${i}`);
      else expect(collect(timers, i)).toEqual([['a', `resend-${i}`]]);
    }
    const held = (timers as unknown as { timers: unknown[] }).timers.length;
    expect(held).toBeLessThanOrEqual(SWEEP_DISARMED_FROM_TIMERS + 1);
  });

  it('allocates nothing to re-arm and fire timers it holds', async () => {
    const timers = new TimerSet<string>();
    const keys = ['tick', 'retry', 'election'];
    let nowMs = 0;
    const rearm = (owner: string, key: string): void => timers.set(owner, 7, key, nowMs + 1);
    const round = (n: number): void => {
      for (let i = 0; i < n; i++) {
        nowMs++;
        timers.fireDue(nowMs, rearm);
        timers.cancel(7, 'election');
        timers.set('actor', 7, 'election', nowMs + 5);
      }
    };
    for (const key of keys) timers.set('actor', 7, key, 1);
    round(20_000); // warm: the optimized code is what is measured
    const probe = createAllocationProbe();
    try {
      expect(probe.gcSource).not.toBeNull();
      const bytesPerRound = await probe.measure(round, 200);
      expect(bytesPerRound).not.toBeNull();
      // The map keyed by a string made per set made about 1,600 bytes a round here.
      expect(bytesPerRound!).toBeLessThan(16);
    } finally {
      probe.close();
    }
  });
});
