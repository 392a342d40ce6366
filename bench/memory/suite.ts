import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplicatedLog, type LogOptions } from '../../src/index.js';
import type { BenchOptions, StorageKind } from '../lib/args.js';
import { formatCount, formatMebibytes, formatRate, renderTable, wrapText } from '../lib/format.js';
import { machineInfo, type MachineInfo } from '../lib/machine.js';
import { residentBytes, settleMemory } from '../lib/process-figures.js';
import { stepsOf } from '../lib/progress.js';
import { median } from '../lib/stats.js';
import type { Suite } from '../lib/suite.js';
import { goal, type GoalCheck } from '../lib/targets-check.js';
import { detailsNote, renderMachine, renderTargets } from '../lib/text-report.js';

/** Entries appended per round; RSS is read after each round. */
const ENTRIES_PER_ROUND = 1_000_000;
const ENTRY_BYTES = 16;
const IN_FLIGHT = 256;
/** Rounds after the warm-up one: RSS growth is the slope over them (one round's delta is mostly allocator noise). */
const MEASURED_ROUNDS = 4;
/** Rounds that append, then trim everything before: the first refills the store's spare half; the slope is over the rest. */
const TRIM_ROUNDS = 4;
/** Time for the learner's progress to reach the acceptors, which then drop what it delivered. */
const SETTLE_MS = 300;
/** For the estimate only: appends/s at 256 in flight on the 2-core VM (BENCHMARKS.md). */
const ESTIMATED_APPENDS_PER_SECOND: Readonly<Record<StorageKind, number>> = { memory: 200_000, file: 130_000 };

function storagesOf(options: BenchOptions): readonly StorageKind[] {
  return options.grid?.storage ?? ['memory', 'file'];
}

export interface MemoryFigures {
  readonly storage: StorageKind;
  readonly entriesPerRound: number;
  readonly rssBytesAfterWarmup: number;
  /** RSS after each measured round. */
  readonly rssBytesAfterRounds: readonly number[];
  /** RSS growth per entry over the measured rounds. */
  readonly rssBytesPerEntry: number;
  /** RSS after each round that appended then trimmed everything before it. */
  readonly rssBytesAfterTrimRounds: readonly number[];
  /** RSS growth per entry between the last two trim rounds (flat: about 0). */
  readonly rssBytesPerEntryWithTrim: number;
  readonly appendsPerSecond: number;
}

export interface MemoryReport {
  readonly suite: 'memory';
  readonly machine: MachineInfo;
  readonly notes: readonly string[];
  readonly configurations: readonly MemoryFigures[];
  readonly targets: {
    readonly memoryBytesPerEntry: GoalCheck;
    readonly fileBytesPerEntry: GoalCheck;
    readonly memoryFlatAfterTrim: GoalCheck;
    readonly fileFlatAfterTrim: GoalCheck;
  };
}

export const memorySuite: Suite = {
  name: 'memory',
  description: 'replicated log: process RSS per 16-byte entry in memory and with storage.dir, and after trim',
  estimate(options) {
    const storages = storagesOf(options);
    const rounds = 1 + MEASURED_ROUNDS + TRIM_ROUNDS;
    const roundSeconds = (storage: StorageKind): number => ENTRIES_PER_ROUND / ESTIMATED_APPENDS_PER_SECOND[storage] + SETTLE_MS / 1000 + 0.3;
    return {
      measurements: storages.length,
      steps: storages.length,
      seconds: storages.reduce((sum, storage) => sum + rounds * roundSeconds(storage), 0),
      basis: `${storages.join(' and ')}: ${rounds} rounds of ${ENTRIES_PER_ROUND / 1e6} M appends each (fixed work, not timed windows)`,
    };
  },
  async run(options, progress) {
    const storages = storagesOf(options);
    const steps = stepsOf(progress);
    steps.plan(storages.length, 'memory');
    const configurations: MemoryFigures[] = [];
    for (const storage of storages) {
      steps.step(`${storage}: ${1 + MEASURED_ROUNDS + TRIM_ROUNDS} rounds of ${formatCount(ENTRIES_PER_ROUND)} appends`);
      configurations.push(await measureStorage(storage));
    }
    const report: MemoryReport = {
      suite: 'memory',
      machine: machineInfo(),
      notes: [
        `RSS of the whole process (every actor thread, the main thread), after a full GC on every thread and ${SETTLE_MS} ms for the acceptors to drop what the learner delivered; ` +
          `${formatCount(ENTRIES_PER_ROUND)} appends of ${ENTRY_BYTES} B per round, ${IN_FLIGHT} in flight from the main thread, 3 acceptors, 1 learner.`,
        `Per entry: RSS growth from after a warm-up round to after ${MEASURED_ROUNDS} more, over their appends. With trim: each round appends, then trims everything before it; growth from the second such round to the last (the first fills the store's spare half, which a trim rewrites into).`,
      ],
      configurations,
      targets: memoryTargets(configurations),
    };
    return { json: report as unknown as Record<string, unknown>, text: renderMemoryReport(report) };
  },
};

async function measureStorage(storage: StorageKind): Promise<MemoryFigures> {
  await settleMemory();
  const dir = storage === 'file' ? mkdtempSync(join(tmpdir(), 'synod-bench-memory-')) : undefined;
  const options: LogOptions = dir ? { storage: { dir, fsync: 'batch' } } : {};
  const log = await ReplicatedLog.open(options);
  try {
    const data = new Uint8Array(ENTRY_BYTES);
    let appended = 0;
    const round = async (): Promise<number> => {
      const started = performance.now();
      const lane = async (): Promise<void> => {
        while (appended < ENTRIES_PER_ROUND) {
          appended++;
          await log.append(data);
        }
      };
      appended = 0;
      await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
      const seconds = (performance.now() - started) / 1000;
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      await log.cluster.collectGarbage();
      await settleMemory();
      return ENTRIES_PER_ROUND / seconds;
    };
    await round();
    const rssBytesAfterWarmup = residentBytes();
    const rssBytesAfterRounds: number[] = [];
    const rates: number[] = [];
    for (let measured = 0; measured < MEASURED_ROUNDS; measured++) {
      rates.push(await round());
      rssBytesAfterRounds.push(residentBytes());
    }
    const rssBytesAfterTrimRounds: number[] = [];
    for (let trimRound = 0; trimRound < TRIM_ROUNDS; trimRound++) {
      await round();
      // One append more tells where the log ends; trim everything before the newest entry.
      await log.trim(await log.append(data));
      await log.cluster.collectGarbage();
      await settleMemory();
      rssBytesAfterTrimRounds.push(residentBytes());
    }
    const last = rssBytesAfterTrimRounds.length - 1;
    return {
      storage,
      entriesPerRound: ENTRIES_PER_ROUND,
      rssBytesAfterWarmup,
      rssBytesAfterRounds,
      rssBytesPerEntry: (rssBytesAfterRounds[MEASURED_ROUNDS - 1]! - rssBytesAfterWarmup) / (MEASURED_ROUNDS * ENTRIES_PER_ROUND),
      rssBytesAfterTrimRounds,
      rssBytesPerEntryWithTrim: (rssBytesAfterTrimRounds[last]! - rssBytesAfterTrimRounds[1]!) / ((last - 1) * ENTRIES_PER_ROUND),
      appendsPerSecond: median(rates),
    };
  } finally {
    await log.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}

function memoryTargets(figures: readonly MemoryFigures[]): MemoryReport['targets'] {
  const of = (storage: StorageKind) => figures.find((f) => f.storage === storage);
  const lacks = (storage: StorageKind) => (of(storage) ? undefined : `this run did not measure ${storage} storage`);
  return {
    memoryBytesPerEntry: goal('RSS bytes per 16 B entry, in memory', of('memory')?.rssBytesPerEntry, 'at most', 64, lacks('memory')),
    fileBytesPerEntry: goal('RSS bytes per 16 B entry, storage.dir', of('file')?.rssBytesPerEntry, 'at most', 16, lacks('file')),
    memoryFlatAfterTrim: goal('RSS bytes per entry with trim, in memory', of('memory')?.rssBytesPerEntryWithTrim, 'at most', 2, lacks('memory')),
    fileFlatAfterTrim: goal('RSS bytes per entry with trim, storage.dir', of('file')?.rssBytesPerEntryWithTrim, 'at most', 2, lacks('file')),
  };
}

export function renderMemoryReport(report: MemoryReport): string {
  return [
    'synod bench memory',
    '',
    renderMachine(report.machine),
    '',
    renderTable([
      ['storage', 'appends/s', 'RSS warm', `RSS +${MEASURED_ROUNDS} M entries`, 'B/entry', 'B/entry with trim'],
      ...report.configurations.map((f) => [
        f.storage,
        formatRate(f.appendsPerSecond),
        formatMebibytes(f.rssBytesAfterWarmup),
        formatMebibytes(f.rssBytesAfterRounds[f.rssBytesAfterRounds.length - 1] ?? Number.NaN),
        f.rssBytesPerEntry.toFixed(1),
        f.rssBytesPerEntryWithTrim.toFixed(1),
      ]),
    ]),
    '',
    ...report.notes.map((note) => wrapText(`note: ${note}`)),
    detailsNote('RSS after every round, with and without trim'),
    '',
    renderTargets(Object.values(report.targets)),
  ].join('\n');
}
