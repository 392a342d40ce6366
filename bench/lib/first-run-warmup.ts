// The first run of a closed-loop measurement meets a fresh log (or sequencer) and fresh load
// threads: a dozen V8 isolates whose hot code is still being compiled. On the 2-core VM that takes
// about 3 s under load: 16 B x 256 in flight, 0.5 s windows from cold, gave 46, 121, 154, 197,
// 312, 328, 392 and 432 k appends/s, and with --warmup 0.5 the first of three runs came out at
// 117-201 k/s against 257-445 k/s for the other two, so the median of three stood on one warm run.
// The first run therefore warms up FIRST_RUN_WARMUP_FACTOR times --warmup, up to
// FIRST_RUN_WARMUP_MS_MAX (3 s with the default 0.5 s; a short --warmup, as the CLI's own tests
// use, stays short), and never less than --warmup; the runs after it take --warmup as given.
// `--warmup 0` keeps every run cold, as asked.
import type { BenchOptions } from './args.js';
import { describeTiming, measurementSeconds } from './estimate.js';

export const FIRST_RUN_WARMUP_FACTOR = 6;
export const FIRST_RUN_WARMUP_MS_MAX = 3000;

/** Warm-up of run `run` (1 for the first) of a closed-loop measurement. */
export function warmupMsOfRun(warmupMs: number, run: number): number {
  if (run !== 1) return warmupMs;
  return Math.max(warmupMs, Math.min(FIRST_RUN_WARMUP_MS_MAX, FIRST_RUN_WARMUP_FACTOR * warmupMs));
}

/** measurementSeconds(), with the first run's longer warm-up. */
export function closedLoopSeconds(options: BenchOptions, setupSeconds: number): number {
  return measurementSeconds(options, setupSeconds) + (warmupMsOfRun(options.warmupMs, 1) - options.warmupMs) / 1000;
}

/** "0.5 s warm-up (3 s before the first run)", or "0 s warm-up" when it is off. */
export function describeClosedLoopWarmup(warmupMs: number): string {
  const first = warmupMsOfRun(warmupMs, 1);
  return first === warmupMs ? `${warmupMs / 1000} s warm-up` : `${warmupMs / 1000} s warm-up (${first / 1000} s before the first run)`;
}

/** "3 runs of 0.5 s warm-up (3 s before the first run) + 2 s measured". */
export function describeClosedLoopTiming(options: BenchOptions): string {
  return describeTiming(options, describeClosedLoopWarmup(options.warmupMs));
}
