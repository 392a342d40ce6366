// The runtime's timings are checked against the rules between them when the module loads; each
// rule is shown to catch a value that breaks it.
import { describe, expect, it } from 'vitest';
import { PROPOSER_DEFAULTS } from '../../src/paxos/index.js';
import { RUNTIME_TIMINGS, checkRuntimeTimings, type RuntimeTimings } from '../../src/protocol/timings.js';

const broken = (change: Partial<Record<keyof RuntimeTimings, number>>): RuntimeTimings => ({ ...RUNTIME_TIMINGS, ...change });

describe('the runtime timings', () => {
  it('hold every rule, and cannot be changed at run time', () => {
    expect(() => checkRuntimeTimings(RUNTIME_TIMINGS)).not.toThrow();
    expect(Object.isFrozen(RUNTIME_TIMINGS)).toBe(true);
    expect(RUNTIME_TIMINGS.tickIntervalMs).toBeLessThan(PROPOSER_DEFAULTS.heartbeatIntervalMs);
  });

  it.each<[string, Partial<Record<keyof RuntimeTimings, number>>, RegExp]>([
    ['a tick slower than heartbeats', { tickIntervalMs: PROPOSER_DEFAULTS.heartbeatIntervalMs }, /tick \(20 ms\) below the default heartbeat/],
    ['a courier retry after the next tick', { courierRetryMs: 6 }, /courier's retry \(6 ms\)/],
    ['storage retried less often than reported', { storageRetryMs: 150 }, /storage retries \(150 ms\)/],
    ['a failure that looks over after two reports', { storageFailureReportIntervalMs: 400, storageRetryMs: 20, storageFailureGraceMs: 500 }, /reported \(every 400 ms\) at least three times/],
    ['a report slower than the grace', { storageFailureGraceMs: 100 }, /within the grace appends get \(100 ms\)/],
    ['a warm-up before the first election', { leaderWarmUpDelayMs: 150 }, /warm-up \(150 ms\)/],
    ['a sweep slower than a resend', { clientSweepIntervalMs: 20 }, /sweep \(20 ms\) more often than its shortest resend/],
    ['a sweep slower than a read retry', { readRetryMs: 10, clientSweepIntervalMs: 10, resendFloorMs: 20 }, /more often than its read retries/],
    ['probes slower than the unclaimed grace', { endpointProbeIntervalMs: 15_000 }, /endpoints probed \(15000 ms\)/],
    ['an endpoint taken from a connect still waiting', { connectGrantTimeoutMs: 15_000 }, /a connect gives up \(15000 ms\)/],
    ['a close that gives up on a refill before a window lasts', { sequencerCloseWaitsForRefillMs: 100 }, /close\(\) waits for a refill \(100 ms\)/],
    ['a timing that is not a positive integer', { readRetryMs: 0.5 }, /readRetryMs must be a positive integer of ms, got 0.5/],
  ])('catch %s', (_what, change, message) => {
    expect(() => checkRuntimeTimings(broken(change))).toThrow(RangeError);
    expect(() => checkRuntimeTimings(broken(change))).toThrow(message);
  });
});
