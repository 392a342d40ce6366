import { performance } from 'node:perf_hooks';
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { DeliberateBug } from './broken.js';
import type { SeedTask, SeedTaskResult } from './seed-task.js';

/** Seeds per task: large enough that a task's overhead is noise, small enough to stop soon after a failure. */
const SEEDS_PER_TASK = 250;

export interface PoolRunSummary {
  readonly runs: number;
  readonly events: number;
  readonly commandsDelivered: number;
  /** The lowest failing seed found (every range below it ran clean), or -1. */
  readonly failedSeed: number;
  readonly seconds: number;
  readonly workers: number;
}

/**
 * Runs seeds firstSeed .. firstSeed + count - 1 over a piscina pool, one worker per core by
 * default: seeds are independent, deterministic runs, which is the stateless pooled work piscina
 * is for. Stops handing out ranges at the first failure; `progress` is told after every range.
 */
export async function runSeedsOnPool(
  firstSeed: number,
  count: number,
  options: { workers?: number; bug?: DeliberateBug; progress?: (done: number, total: number) => void } = {},
): Promise<PoolRunSummary> {
  const workers = options.workers ?? availableParallelism();
  const pool = new Piscina<SeedTask, SeedTaskResult>({
    filename: new URL('./seed-task.js', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    // Each task is a long CPU-bound loop: no point queueing more than one behind each worker.
    concurrentTasksPerWorker: 1,
  });
  const started = performance.now();
  let runs = 0;
  let events = 0;
  let commandsDelivered = 0;
  let failedSeed = -1;
  let next = firstSeed;
  const end = firstSeed + count;
  const lane = async (): Promise<void> => {
    while (next < end && failedSeed < 0) {
      const task: SeedTask = { firstSeed: next, count: Math.min(SEEDS_PER_TASK, end - next), bug: options.bug };
      next += task.count;
      const result = await pool.run(task);
      runs += result.runs;
      events += result.events;
      commandsDelivered += result.commandsDelivered;
      if (result.failedSeed >= 0 && (failedSeed < 0 || result.failedSeed < failedSeed)) failedSeed = result.failedSeed;
      options.progress?.(runs, count);
    }
  };
  try {
    await Promise.all(Array.from({ length: workers }, lane));
  } finally {
    await pool.destroy();
  }
  return { runs, events, commandsDelivered, failedSeed, seconds: (performance.now() - started) / 1000, workers };
}
