import { availableParallelism } from 'node:os';
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import type { BenchOptions } from '../lib/args.js';
import { MinorGcCounter } from '../lib/gc-counter.js';
import { warmupMsOfRun } from '../lib/first-run-warmup.js';
import { createLatencyHistogram } from '../lib/histogram.js';
import { LoadPool } from '../lib/load-pool.js';
import { median } from '../lib/stats.js';
import type { LoadDriver, LoadWorkerData, WindowResult } from './load-protocol.js';

/** Main-thread side of a closed-loop measurement: load threads, repeated runs, medians. */

export const LOAD_WORKER = new URL('./load-worker.js', import.meta.url);
/** Load threads at most: a few, so load comes from several threads without crowding out the actors on a small machine. */
const LOAD_THREADS_MAX = 4;

/**
 * The load threads a closed loop uses at most unless --load-threads says otherwise:
 * LOAD_THREADS_MAX, and no more than the cores. Callers that outnumber the cores they share with
 * the actors measure their own wake-ups: on 2 cores, 256 appends in flight from 4 threads gave
 * 455 k/s where 2 threads gave 529 k/s (means of 3 interleaved runs; BENCHMARKS.md, 2026-12-06).
 */
export function defaultLoadThreadsMax(): number {
  return Math.max(1, Math.min(LOAD_THREADS_MAX, availableParallelism()));
}
const CONNECT_TIMEOUT_MS = 60_000;
const OVERRUN_MS = 60_000;

export interface LatencyFigures {
  readonly p50Microseconds: number;
  readonly p90Microseconds: number;
  readonly p99Microseconds: number;
  readonly p999Microseconds: number;
  readonly maxMicroseconds: number;
}

export interface DistributionPoint {
  readonly percentile: number;
  readonly microseconds: number;
}

export interface ClosedLoopFigures {
  /** Median over runs of operations completed in the measured window per second. */
  readonly perSecond: number;
  readonly runsPerSecond: readonly number[];
  /** Median over runs of each percentile. */
  readonly latency: LatencyFigures;
  /** All runs' samples together, for charts. */
  readonly distribution: readonly DistributionPoint[];
  readonly samples: number;
  /** Operations that rejected in the measured windows (all runs). */
  readonly failed: number;
  /** Minor GCs of the main thread (which hosts no actor and no load lane) per million completed operations. */
  readonly mainThreadMinorGcsPerMillion: number;
  /** Minor GCs of the load threads together per million completed operations. */
  readonly loadThreadsMinorGcsPerMillion: number;
  /** Sequencer: numbers that did not increase within a lane; must be 0. */
  readonly outOfOrder: number;
}

/** The most load threads a closed loop's operations in flight are split over: --load-threads, or defaultLoadThreadsMax(). */
export function loadThreadsMaxOf(options: BenchOptions): number {
  return options.grid?.loadThreads ?? defaultLoadThreadsMax();
}

/** Load threads for `concurrency` lanes: one a lane, up to `threadsMax` (--load-threads). */
export function threadsFor(concurrency: number, threadsMax: number = defaultLoadThreadsMax()): number {
  return Math.max(1, Math.min(concurrency, threadsMax));
}

/** Load threads for `concurrency` lanes in a run with these options: one a lane, up to loadThreadsMaxOf(options). */
export function loadThreadsOf(concurrency: number, options: BenchOptions): number {
  return threadsFor(concurrency, loadThreadsMaxOf(options));
}

/** Starts `threads` (by default threadsFor(concurrency)) load threads sharing `concurrency` lanes; `driverFor(i)` gives thread i its connection. */
export async function startLoad(
  driverFor: (thread: number) => LoadDriver,
  concurrency: number,
  entryBytes: number,
  threads = threadsFor(concurrency),
): Promise<LoadPool> {
  const specs = Array.from({ length: threads }, (_, thread) => {
    const lanes = Math.floor(concurrency / threads) + (thread < concurrency % threads ? 1 : 0);
    const data: LoadWorkerData = { driver: driverFor(thread), lanes, entryBytes };
    return { entry: LOAD_WORKER, data: data as unknown as Record<string, unknown> };
  });
  return LoadPool.start(specs, CONNECT_TIMEOUT_MS);
}

export interface RunHooks {
  /** Called once per run, after the run (e.g. to read actor counters); gets the run's completed operations. */
  readonly afterRun?: (completed: number) => Promise<void>;
  readonly beforeRun?: () => Promise<void>;
  readonly onRun?: (run: number) => void;
}

const DISTRIBUTION_PERCENTILES = [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100];

export async function measureWindowRuns(pool: LoadPool, options: BenchOptions, hooks: RunHooks = {}): Promise<ClosedLoopFigures> {
  const merged = createLatencyHistogram();
  const rates: number[] = [];
  const percentiles: LatencyFigures[] = [];
  let failed = 0;
  let outOfOrder = 0;
  let completedAll = 0;
  let mainGcs = 0;
  let loadGcs = 0;
  for (let run = 1; run <= options.runs; run++) {
    hooks.onRun?.(run);
    await hooks.beforeRun?.();
    const mainCounter = new MinorGcCounter();
    mainCounter.start();
    let startMs = 0;
    const warmupMs = warmupMsOfRun(options.warmupMs, run);
    const results = await pool.run<WindowResult>(
      { mode: 'window', warmupMs, durationMs: options.durationMs },
      warmupMs + options.durationMs + OVERRUN_MS,
      () => (startMs = performance.now()),
    );
    const windowStartMs = startMs + warmupMs;
    mainGcs += await mainCounter.countMinorBetween(windowStartMs, windowStartMs + options.durationMs);
    const histogram = createLatencyHistogram();
    let completed = 0;
    let firstError: string | undefined;
    for (const result of results) {
      firstError ??= result.firstError;
      completed += result.completed;
      failed += result.failed;
      outOfOrder += result.outOfOrder;
      loadGcs += result.minorGcs;
      const part = decodeFromCompressedBase64(result.histogram);
      histogram.add(part);
      part.destroy();
    }
    // Operations slower than warm-up plus window (64 KiB x 256 in flight on a slow disk) may all
    // complete after it: the run counts 0 per second, and their latencies are still recorded.
    // Nothing completing at all, even after the window, is a hang.
    if (completed <= 0 && histogram.totalCount === 0) {
      throw new Error(`no operation completed in run ${run}, not even after its measured window${firstError === undefined ? '' : `; the first to fail: ${firstError}`}`);
    }
    completedAll += completed;
    rates.push(completed / (options.durationMs / 1000));
    percentiles.push(latencyOf(histogram));
    merged.add(histogram);
    histogram.destroy();
    await hooks.afterRun?.(completed);
  }
  const figures: ClosedLoopFigures = {
    perSecond: median(rates),
    runsPerSecond: rates,
    latency: {
      p50Microseconds: median(percentiles.map((p) => p.p50Microseconds)),
      p90Microseconds: median(percentiles.map((p) => p.p90Microseconds)),
      p99Microseconds: median(percentiles.map((p) => p.p99Microseconds)),
      p999Microseconds: median(percentiles.map((p) => p.p999Microseconds)),
      maxMicroseconds: median(percentiles.map((p) => p.maxMicroseconds)),
    },
    distribution: DISTRIBUTION_PERCENTILES.map((percentile) => ({
      percentile,
      microseconds: (percentile === 100 ? merged.maxValue : merged.getValueAtPercentile(percentile)) / 1000,
    })),
    samples: merged.totalCount,
    failed,
    mainThreadMinorGcsPerMillion: completedAll > 0 ? (mainGcs / completedAll) * 1e6 : Number.NaN,
    loadThreadsMinorGcsPerMillion: completedAll > 0 ? (loadGcs / completedAll) * 1e6 : Number.NaN,
    outOfOrder,
  };
  merged.destroy();
  return figures;
}

function latencyOf(histogram: Histogram): LatencyFigures {
  return {
    p50Microseconds: histogram.getValueAtPercentile(50) / 1000,
    p90Microseconds: histogram.getValueAtPercentile(90) / 1000,
    p99Microseconds: histogram.getValueAtPercentile(99) / 1000,
    p999Microseconds: histogram.getValueAtPercentile(99.9) / 1000,
    maxMicroseconds: histogram.maxValue / 1000,
  };
}
