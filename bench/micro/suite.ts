import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Bench } from 'tinybench';
import { nativeCodecLoaded } from '../../src/mailbox/index.js';
import type { BenchOptions } from '../lib/args.js';
import { machineInfo, type MachineInfo } from '../lib/machine.js';
import { stepsOf } from '../lib/progress.js';
import type { ProgressSink, Suite } from '../lib/suite.js';
import { createAllocationProbe } from './allocation.js';
import { createMicroBenchmarks, type MicroBenchmark, type MicroFixtures } from './cases.js';
import { renderMicroReport } from './render.js';

/**
 * Share of --duration (and of --warmup) each benchmark gets: with the defaults (2 s, 0.5 s) each of
 * the 14 benchmarks runs 0.8 s after 0.2 s of warm-up, and the suite, allocation windows included,
 * stays under 20 s. --runs is not used: tinybench's samples already give the spread.
 */
export const TASK_SHARE_OF_DURATION = 0.4;
/**
 * A tinybench sample times one call of its task, and the clock reading costs tens of nanoseconds:
 * each call runs `batch` operations, enough for about this long, and figures are divided by batch.
 */
export const TARGET_SAMPLE_NS = 10_000;
const CALIBRATION_MS = 20;
/** Seconds per benchmark beyond its tinybench time: calibration and the allocation windows (2-core VM). */
const MICRO_OVERHEAD_SECONDS = 0.25;

export interface MicroFigures {
  readonly name: string;
  readonly group: string;
  readonly description: string;
  /** Nanoseconds per operation: mean over all samples, and the p50/p99 of the samples (each of `batch` operations), per operation. */
  readonly nsPerOp: { readonly mean: number; readonly p50: number | null; readonly p99: number | null };
  /** 1e9 / nsPerOp.mean. */
  readonly opsPerSecond: number;
  /** Relative margin of error of the mean, in percent (tinybench's rme). */
  readonly rmePercent: number;
  /** Bytes allocated per operation (V8 heap + ArrayBuffers); null when it could not be measured. */
  readonly bytesAllocatedPerOp: number | null;
  readonly batch: number;
  readonly samples: number;
}

export interface MicroReport {
  readonly suite: 'micro';
  readonly machine: MachineInfo & { readonly msgpackrNativeAddon: boolean; readonly tinybench: string; readonly gc: string | null };
  readonly settings: MicroFixtures & {
    readonly durationMs: number;
    readonly warmupMs: number;
    readonly taskTimeMs: number;
    readonly taskWarmupMs: number;
    readonly targetSampleNs: number;
  };
  readonly benchmarks: readonly MicroFigures[];
  readonly notes: readonly string[];
}

/**
 * Micro suite: single-thread costs of the value format (src/paxos/value.ts), slot assembly, and
 * one mailbox hop without the thread crossing, under tinybench, with bytes allocated per op.
 */
export const microSuite: Suite = {
  name: 'micro',
  description: 'tinybench micro-benchmarks: value encode/decode, slot assembly, ring write+drain, msgpackr',
  estimate(options) {
    const count = createMicroBenchmarks().benchmarks.length;
    const perBenchmarkSeconds = (TASK_SHARE_OF_DURATION * (options.durationMs + options.warmupMs)) / 1000 + MICRO_OVERHEAD_SECONDS;
    return {
      measurements: count,
      steps: count,
      seconds: count * perBenchmarkSeconds + 1,
      basis: `${count} benchmarks, each ${(TASK_SHARE_OF_DURATION * options.warmupMs) / 1000} s warm-up + ${(TASK_SHARE_OF_DURATION * options.durationMs) / 1000} s measured (0.4 x the options), plus calibration and allocation windows`,
    };
  },
  async run(options, progress) {
    const report = await measureMicro(options, progress);
    return { json: report as unknown as Record<string, unknown>, text: renderMicroReport(report) };
  },
};

async function measureMicro(options: BenchOptions, progress: ProgressSink): Promise<MicroReport> {
  const taskTimeMs = options.durationMs * TASK_SHARE_OF_DURATION;
  const taskWarmupMs = options.warmupMs * TASK_SHARE_OF_DURATION;
  const { benchmarks, fixtures } = createMicroBenchmarks();
  const probe = createAllocationProbe();
  const figures: MicroFigures[] = [];
  const steps = stepsOf(progress);
  steps.plan(benchmarks.length, 'micro');
  try {
    for (const benchmark of benchmarks) {
      steps.step(benchmark.name);
      const timing = measureTime(benchmark, taskTimeMs, taskWarmupMs);
      const bytesAllocatedPerOp = await probe.measure(benchmark.run, timing.nsPerOp.mean);
      figures.push({ ...timing, bytesAllocatedPerOp });
    }
  } finally {
    probe.close();
  }
  return {
    suite: 'micro',
    machine: { ...machineInfo(), msgpackrNativeAddon: nativeCodecLoaded(), tinybench: tinybenchVersion(), gc: probe.gcSource },
    settings: { durationMs: options.durationMs, warmupMs: options.warmupMs, taskTimeMs, taskWarmupMs, targetSampleNs: TARGET_SAMPLE_NS, ...fixtures },
    benchmarks: figures,
    notes: [
      'One thread, no worker: these are costs of the code, not of a thread crossing (see the mailbox suite for that).',
      `Each tinybench sample is one call running \`batch\` operations (about ${TARGET_SAMPLE_NS / 1000} us); ns/op p50/p99 are of those samples, divided by batch.`,
      'Bytes allocated per op: growth of V8 heapUsed plus ArrayBuffer memory over N ops after a full GC, a window with a GC in it discarded; median of 3 windows; null (n/a) when no GC could be forced or no clean window was had.',
      'Slot assembly uses stand-ins in bench/micro/slots.ts until the proposer has its own.',
      `--runs is not used; each benchmark runs ${TASK_SHARE_OF_DURATION} x --duration after ${TASK_SHARE_OF_DURATION} x --warmup of warm-up.`,
    ],
  };
}

function measureTime(benchmark: MicroBenchmark, timeMs: number, warmupMs: number): Omit<MicroFigures, 'bytesAllocatedPerOp'> {
  const run = benchmark.run;
  // Size the batch from a short calibration loop (which also gets the first JIT tiers in).
  let calls = 0;
  const startMs = performance.now();
  let elapsedMs = 0;
  do {
    run(1);
    calls++;
    elapsedMs = performance.now() - startMs;
  } while (elapsedMs < Math.min(CALIBRATION_MS, timeMs / 4));
  const batch = Math.max(1, Math.round(TARGET_SAMPLE_NS / ((elapsedMs * 1e6) / calls)));

  const bench = new Bench({ time: timeMs, warmup: warmupMs > 0, warmupTime: warmupMs, iterations: 16, warmupIterations: 4, throws: true });
  bench.add(benchmark.name, () => run(batch));
  const [task] = bench.runSync();
  const result = task?.result;
  if (result === undefined) throw new Error(`micro bench: tinybench returned no result for ${benchmark.name}`);
  if (result.error !== undefined) throw result.error;
  const latency = result.latency; // milliseconds per sample
  const perOp = (ms: number | undefined): number | null => (ms === undefined || !Number.isFinite(ms) ? null : (ms * 1e6) / batch);
  const mean = perOp(latency.mean);
  if (mean === null || mean <= 0) throw new Error(`micro bench: ${benchmark.name} measured no time (mean ${latency.mean} ms per sample)`);
  return {
    name: benchmark.name,
    group: benchmark.group,
    description: benchmark.description,
    nsPerOp: { mean, p50: perOp(latency.p50), p99: perOp(latency.p99) },
    opsPerSecond: 1e9 / mean,
    rmePercent: latency.rme,
    batch,
    samples: latency.samples.length,
  };
}

function tinybenchVersion(): string {
  try {
    // tinybench's exports map does not expose package.json: find it from the entry point.
    const entry = createRequire(import.meta.url).resolve('tinybench');
    for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'tinybench' && typeof pkg.version === 'string') return pkg.version;
      } catch {
        // no package.json at this level
      }
    }
  } catch {
    // not resolvable from here
  }
  return 'unknown';
}
