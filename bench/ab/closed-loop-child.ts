// One closed-loop measurement of one build, in a process of its own (compare-builds.ts runs it):
// opens a log with 3 acceptors in memory through the public API of the build at `--build`
// (its dist/src/index.js), keeps `--lanes` appends of `--entry-bytes` in flight from this thread,
// each lane appending again as soon as its last append resolved, and after `--warmup-ms` counts
// for `--measure-ms` the appends that resolved and the latency of those issued. Prints one JSON
// object (ChildResult).
//
// Only `ReplicatedLog.open({ acceptors })`, `append(bytes)` and `close()`: the API every build
// with a log has had, so any two builds compare through the same lines of code.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createRecordingHistogram, loadRecordingHistograms, recordElapsedMs } from '../lib/histogram.js';
import { buildEntry, type ChildResult } from './builds.js';

/** The little of a build's public API this uses. */
interface BuildModule {
  ReplicatedLog: {
    open(options: { acceptors: number }): Promise<{ append(data: Uint8Array): Promise<number>; close(): Promise<void> }>;
  };
}

const { values } = parseArgs({
  options: {
    build: { type: 'string' },
    lanes: { type: 'string' },
    'entry-bytes': { type: 'string' },
    'warmup-ms': { type: 'string' },
    'measure-ms': { type: 'string' },
  },
});

/** A flag's whole number, at least `least` (compare-builds.ts checked them already: this is for a child run by hand). */
function wholeNumber(name: string, text: string | undefined, least: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < least) throw new RangeError(`--${name} must be a whole number, at least ${least}, got ${String(text)}`);
  return value;
}

if (values.build === undefined) throw new TypeError('--build is required');
const lanes = wholeNumber('lanes', values.lanes, 1);
const entryBytes = wholeNumber('entry-bytes', values['entry-bytes'], 0);
const warmupMs = wholeNumber('warmup-ms', values['warmup-ms'], 0);
const measureMs = wholeNumber('measure-ms', values['measure-ms'], 1);

const { ReplicatedLog } = (await import(pathToFileURL(buildEntry(values.build)).href)) as BuildModule;
await loadRecordingHistograms();
const histogram = createRecordingHistogram();
const log = await ReplicatedLog.open({ acceptors: 3 });
const entry = new Uint8Array(entryBytes).fill(0x5a);
const startMs = performance.now();
const measureStartMs = startMs + warmupMs;
const measureEndMs = measureStartMs + measureMs;
let resolved = 0;
const lane = async (): Promise<void> => {
  for (;;) {
    const t0 = performance.now();
    if (t0 >= measureEndMs) return;
    await log.append(entry);
    const t1 = performance.now();
    if (t0 >= measureStartMs) recordElapsedMs(histogram, t1 - t0);
    if (t1 >= measureStartMs && t1 < measureEndMs) resolved++;
  }
};
await Promise.all(Array.from({ length: lanes }, lane));
await log.close();
const result: ChildResult = {
  appendsPerSecond: resolved / (measureMs / 1000),
  p50Us: histogram.getValueAtPercentile(50) / 1000,
  p99Us: histogram.getValueAtPercentile(99) / 1000,
};
histogram.destroy();
process.stdout.write(`${JSON.stringify(result)}\n`);
