// One piscina task of a many-seed run: a range of seeds on one worker thread. Plain data in and
// out (a failure's full result, with its trace, is rebuilt by the caller from its seed).
import type { DeliberateBug } from './broken.js';
import { runSeeds } from './scheduler.js';

export interface SeedTask {
  readonly firstSeed: number;
  readonly count: number;
  readonly bug: DeliberateBug | undefined;
}

export interface SeedTaskResult {
  readonly runs: number;
  readonly events: number;
  readonly commandsDelivered: number;
  /** The first seed of the range that broke an invariant, or -1. */
  readonly failedSeed: number;
}

export default function runSeedTask(task: SeedTask): SeedTaskResult {
  const summary = runSeeds(task.firstSeed, task.count, { bug: task.bug }, true);
  const failed = summary.failures[0];
  return { runs: summary.runs, events: summary.events, commandsDelivered: summary.commandsDelivered, failedSeed: failed === undefined ? -1 : failed.seed };
}
