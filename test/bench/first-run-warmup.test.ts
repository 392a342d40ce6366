import { encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../dist/bench/lib/args.js';
import { createLatencyHistogram } from '../../dist/bench/lib/histogram.js';
import type { LoadPool } from '../../dist/bench/lib/load-pool.js';
import { measureWindowRuns } from '../../dist/bench/log/closed-loop.js';
import { closedLoopSeconds, describeClosedLoopTiming, warmupMsOfRun } from '../../dist/bench/lib/first-run-warmup.js';

// A closed-loop measurement's first run meets a fresh log whose threads V8 is still compiling:
// it warms up six times --warmup (at most 3 s, never less than --warmup), the runs after it as
// --warmup says, and `--warmup 0` keeps every run cold.

describe("a closed-loop measurement's warm-up", () => {
  it('is longer before the first run, as given before the others', () => {
    expect([1, 2, 3].map((run) => warmupMsOfRun(500, run))).toEqual([3000, 500, 500]);
    expect([1, 2].map((run) => warmupMsOfRun(50, run))).toEqual([300, 50]);
    expect([1, 2].map((run) => warmupMsOfRun(1000, run))).toEqual([3000, 1000]);
    expect([1, 2].map((run) => warmupMsOfRun(5000, run))).toEqual([5000, 5000]);
    expect([1, 2].map((run) => warmupMsOfRun(0, run))).toEqual([0, 0]);
  });

  it('is counted in the time estimate and said in the timing line', () => {
    const options = parseCommand(['log', '--runs', '3', '--warmup', '0.5', '--duration', '2']).options;
    expect(closedLoopSeconds(options, 1)).toBeCloseTo(3 + 2 + 0.5 + 2 + 0.5 + 2 + 1);
    expect(describeClosedLoopTiming(options)).toBe('3 runs of 0.5 s warm-up (3 s before the first run) + 2 s measured');
    const cold = parseCommand(['log', '--runs', '1', '--warmup', '0', '--duration', '1']).options;
    expect(closedLoopSeconds(cold, 0)).toBeCloseTo(1);
    expect(describeClosedLoopTiming(cold)).toBe('1 run of 0 s warm-up + 1 s measured');
  });

  it('is what the load threads are told, run by run', async () => {
    const asked: number[] = [];
    const histogram = createLatencyHistogram();
    histogram.recordValue(1000);
    // A pool whose one thread completes 10 operations a run at once, recording what it was asked.
    const pool = {
      size: 1,
      async run(params: { warmupMs: number }, _timeoutMs: number, onStart?: () => void) {
        asked.push(params.warmupMs);
        onStart?.();
        return [{ completed: 10, failed: 0, outOfOrder: 0, minorGcs: 0, elapsedMs: 1, histogram: encodeIntoCompressedBase64(histogram) }];
      },
    } as unknown as LoadPool;
    const options = parseCommand(['log', '--runs', '3', '--warmup', '0.02', '--duration', '0.01']).options;
    const figures = await measureWindowRuns(pool, options);
    expect(asked).toEqual([120, 20, 20]);
    expect(figures.samples).toBe(3);
  });
});
