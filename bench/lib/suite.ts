import type { BenchOptions } from './args.js';
import type { Estimate } from './estimate.js';

/** What a suite hands back: the figures as one JSON-ready object, and the same figures as text for people. */
export interface SuiteReport {
  readonly json: Readonly<Record<string, unknown>>;
  readonly text: string;
}

/** Progress lines go to stderr, so stdout carries only the report (and stays valid JSON with --json). */
export type ProgressSink = (line: string) => void;

/**
 * One benchmark suite. The CLI only looks suites up by name and prints what they return, so a new
 * suite (log, sequencer, failover, ...) is a new directory plus one line in bench/suites.ts.
 */
export interface Suite {
  readonly name: string;
  readonly description: string;
  /** How many measurements and about how long, from the options alone: printed before the run, and the base of its time left. */
  estimate(options: BenchOptions): Estimate | Promise<Estimate>;
  run(options: BenchOptions, progress: ProgressSink): Promise<SuiteReport>;
}
