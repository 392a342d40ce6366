import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplicatedLog, type LogOptions } from '../../src/index.js';
import type { BenchOptions, StorageKind } from '../lib/args.js';
import { plural } from '../lib/estimate.js';
import { closedLoopSeconds, describeClosedLoopTiming, describeClosedLoopWarmup } from '../lib/first-run-warmup.js';
import { formatEntryBytes, formatGigabytesPerSecond, formatLatencyMs, formatMegabytesPerSecond, formatRate, renderTable, wrapText } from '../lib/format.js';
import { machineInfo, type MachineInfo } from '../lib/machine.js';
import { GC_NOTE, residentBytes, settleMemory } from '../lib/process-figures.js';
import { stepsOf } from '../lib/progress.js';
import { median } from '../lib/stats.js';
import type { ProgressSink, Suite } from '../lib/suite.js';
import { goal, type GoalCheck } from '../lib/targets-check.js';
import { detailsNote, renderMachine, renderTargets } from '../lib/text-report.js';
import { runWorkerGroup } from '../lib/worker-group.js';
import { actorGcsBetween, snapshotActors, worstOf, type ActorGcFigures } from './actor-gcs.js';
import { describeThreadCpu, threadCpuBetween, type ThreadCpuFigures } from './thread-cpu.js';
import type { AtomicsResult } from './atomics-worker.js';
import { measureFreshMemory, type FreshMemoryFigures } from './fresh-memory.js';
import { DISK_SYNC_BLOCK_BYTES, measureDiskSync, type DiskSyncFigures } from './disk-sync.js';
import { loadThreadsMaxOf, loadThreadsOf, measureWindowRuns, startLoad, type ClosedLoopFigures } from './closed-loop.js';

export const LOG_GRID = {
  concurrency: [1, 16, 256],
  entryBytes: [16, 1024, 65_536],
  acceptors: [3, 5],
  storage: ['memory', 'file'] as StorageKind[],
} as const;

/**
 * The saturation point the targets name (memory, 3 acceptors, 16 B, 4096 in flight): measured
 * besides the default grid, whose concurrencies stop at 256 so that 64 KiB entries stay cheap.
 */
export const SATURATION_CONCURRENCY = 4096;

export interface LogConfiguration {
  readonly storage: StorageKind;
  readonly acceptors: number;
  readonly entryBytes: number;
  readonly concurrency: number;
}

export interface LogFigures extends LogConfiguration, ClosedLoopFigures {
  readonly loadThreads: number;
  readonly actorGcs: ActorGcFigures;
  /** CPU per committed command by thread, over all runs of this configuration (warm-ups included). */
  readonly threadCpu: ThreadCpuFigures;
  /** Process RSS before the log opened (after a main-thread GC) and at the end of the runs, before it closed. */
  readonly rssBytesAtStart: number;
  readonly rssBytesAtEnd: number;
}

export interface LogReport {
  readonly suite: 'log';
  readonly machine: MachineInfo;
  readonly settings: {
    readonly durationMs: number;
    readonly warmupMs: number;
    readonly runs: number;
    readonly loadThreadsMax: number;
    readonly fileFsync: 'batch';
    readonly grid: { concurrency: number[]; entryBytes: number[]; acceptors: number[]; storage: StorageKind[] };
  };
  readonly notes: readonly string[];
  readonly baseline: {
    readonly atomicsRoundTripP50Microseconds: number;
    readonly runsP50Microseconds: readonly number[];
    /** Copying 64 KiB entries into memory never written (as a log in memory grows) and over memory written before, GB/s: medians of the runs (fresh-memory.ts). */
    readonly freshMemoryGigabytesPerSecond: number;
    readonly rewrittenMemoryGigabytesPerSecond: number;
    /** fdatasync of a block appended to a file in the temp dir, alone and one per acceptor at once (disk-sync.ts): medians of the runs; only when the grid has file storage. */
    readonly diskSync?: DiskSyncFigures;
  };
  readonly configurations: readonly LogFigures[];
  readonly targets: {
    readonly appendsPerSecond256: GoalCheck;
    readonly appendsPerSecondSaturation: GoalCheck;
    readonly singleAppenderP50VsAtomics: GoalCheck;
    readonly singleAppenderP99VsAtomics: GoalCheck;
    readonly acceptorMinorGcsPerMillion: GoalCheck;
    readonly learnerMinorGcsPerMillion: GoalCheck;
    readonly appendsPerSecond256KiB: GoalCheck;
    readonly payloadGigabytesPerSecond64KiB: GoalCheck;
    readonly largeEntries256Vs16: GoalCheck;
    readonly fileVsMemory256: GoalCheck;
  };
}

const ATOMICS_WORKER = new URL('./atomics-worker.js', import.meta.url);
/** The fresh-memory baseline: entries of the log's largest default size, at most this long a run. */
const FRESH_MEMORY_ENTRY_BYTES = 65_536;
const FRESH_MEMORY_BUDGET_MS = 300;
/** The disk-sync baseline: syncs per thread a run, and the writers at once (the file goal's acceptors). */
const DISK_SYNCS = 200;
const DISK_SYNC_CONCURRENCY = 3;
/** About what one run of it takes (2-core VM: 4 threads started, 800 syncs of 0.1-0.5 ms). */
const DISK_SYNC_SECONDS = 0.5;

/** Seconds to open a log, start its load threads and close it again, per configuration (2-core VM: 2.4 s for 16 B, more for 64 KiB). */
const LOG_SETUP_SECONDS = 3;

export const logSuite: Suite = {
  name: 'log',
  description: 'replicated log: committed appends/s and append latency over appenders x entry size x acceptors x storage',
  estimate(options) {
    const configurations = logConfigurationsOf(options).length;
    const syncSeconds = logGridOf(options).storage.includes('file') ? DISK_SYNC_SECONDS : 0;
    const baselineSeconds = (options.runs * (Math.min(options.warmupMs, 200) + Math.min(options.durationMs, 1000) + FRESH_MEMORY_BUDGET_MS)) / 1000 + options.runs * syncSeconds + 0.3;
    return {
      measurements: configurations + 1,
      steps: configurations + 1,
      seconds: configurations * closedLoopSeconds(options, LOG_SETUP_SECONDS) + baselineSeconds,
      basis: `${plural(configurations, 'configuration')} + 1 baseline, each ${describeClosedLoopTiming(options)}, plus about ${LOG_SETUP_SECONDS} s to start a log`,
    };
  },
  async run(options, progress) {
    const report = await measureLog(options, progress);
    return { json: report as unknown as Record<string, unknown>, text: renderLogReport(report) };
  },
};

export function logGridOf(options: BenchOptions): LogReport['settings']['grid'] {
  return {
    concurrency: [...(options.grid?.concurrency ?? LOG_GRID.concurrency)],
    entryBytes: [...(options.grid?.entryBytes ?? LOG_GRID.entryBytes)],
    acceptors: [...(options.grid?.acceptors ?? LOG_GRID.acceptors)],
    storage: [...(options.grid?.storage ?? LOG_GRID.storage)],
  };
}

/**
 * What a run measures: every combination of the grid, and, with the default concurrencies and a
 * grid that has memory, 3 acceptors and 16 B, the saturation point too.
 */
export function logConfigurationsOf(options: BenchOptions): LogConfiguration[] {
  const grid = logGridOf(options);
  const configurations: LogConfiguration[] = [];
  for (const storage of grid.storage)
    for (const acceptors of grid.acceptors)
      for (const entryBytes of grid.entryBytes) for (const concurrency of grid.concurrency) configurations.push({ storage, acceptors, entryBytes, concurrency });
  // The default concurrencies stop below the saturation point: it goes right after its row group.
  const saturation: LogConfiguration = { storage: 'memory', acceptors: 3, entryBytes: 16, concurrency: SATURATION_CONCURRENCY };
  const group = (c: LogConfiguration): boolean => c.storage === saturation.storage && c.acceptors === saturation.acceptors && c.entryBytes === saturation.entryBytes;
  const lastOfGroup = configurations.findLastIndex(group);
  if (options.grid?.concurrency === undefined && lastOfGroup >= 0) configurations.splice(lastOfGroup + 1, 0, saturation);
  return configurations;
}

export async function measureLog(options: BenchOptions, progress: ProgressSink): Promise<LogReport> {
  const grid = logGridOf(options);
  const configurations = logConfigurationsOf(options);
  const steps = stepsOf(progress);
  steps.plan(configurations.length + 1, 'log');

  const withFiles = grid.storage.includes('file');
  steps.step(`baseline: bare SharedArrayBuffer wait/notify round trip; copies into fresh memory${withFiles ? '; disk syncs' : ''}`);
  const atomicsRuns: number[] = [];
  const freshRuns: FreshMemoryFigures[] = [];
  const syncRuns: DiskSyncFigures[] = [];
  for (let run = 0; run < options.runs; run++) {
    atomicsRuns.push(await measureAtomicsRoundTrip(options));
    freshRuns.push(measureFreshMemory(FRESH_MEMORY_ENTRY_BYTES, FRESH_MEMORY_BUDGET_MS));
    if (withFiles) syncRuns.push(await measureDiskSync(DISK_SYNC_CONCURRENCY, DISK_SYNCS));
  }
  const fresh = median(freshRuns.map((f) => f.freshGigabytesPerSecond));
  const diskSync: DiskSyncFigures | undefined =
    syncRuns.length === 0
      ? undefined
      : {
          aloneP50Microseconds: median(syncRuns.map((f) => f.aloneP50Microseconds)),
          concurrentP50Microseconds: median(syncRuns.map((f) => f.concurrentP50Microseconds)),
          concurrency: DISK_SYNC_CONCURRENCY,
        };

  const figures: LogFigures[] = [];
  for (const configuration of configurations) {
    steps.step(describeConfiguration(configuration));
    figures.push(await measureConfiguration(configuration, options));
  }
  const atomicsP50 = median(atomicsRuns);
  return {
    suite: 'log',
    machine: machineInfo(),
    settings: {
      durationMs: options.durationMs,
      warmupMs: options.warmupMs,
      runs: options.runs,
      loadThreadsMax: loadThreadsMaxOf(options),
      fileFsync: 'batch',
      grid,
    },
    notes: [GC_NOTE, 'Every log uses the default options apart from acceptors and storage (2 proposers, 1 learner, batching 256, window 64).'],
    baseline: {
      atomicsRoundTripP50Microseconds: atomicsP50,
      runsP50Microseconds: atomicsRuns,
      freshMemoryGigabytesPerSecond: fresh,
      rewrittenMemoryGigabytesPerSecond: median(freshRuns.map((f) => f.rewrittenGigabytesPerSecond)),
      ...(diskSync === undefined ? {} : { diskSync }),
    },
    configurations: figures,
    targets: logTargets(figures, atomicsP50, fresh, diskSync),
  };
}

function logTargets(
  figures: readonly LogFigures[],
  atomicsP50: number,
  freshMemoryGigabytesPerSecond: number,
  diskSync: DiskSyncFigures | undefined,
): LogReport['targets'] {
  const find = (concurrency: number, entryBytes = 16, storage: StorageKind = 'memory') =>
    figures.find((f) => f.storage === storage && f.acceptors === 3 && f.entryBytes === entryBytes && f.concurrency === concurrency);
  const at256 = find(256);
  const at1 = find(1);
  const kib256 = find(256, 1024);
  const big16 = find(16, 65_536);
  const big256 = find(256, 65_536);
  const saturation = find(SATURATION_CONCURRENCY);
  const file256 = find(256, 16, 'file');
  const missing = 'this run\'s grid lacks memory, 3 acceptors, 16 B';
  const lacks = (what: string) => `this run's grid lacks ${what}`;
  const acceptorGcs = at256?.actorGcs.roles.acceptor?.maxPerMillion;
  const learnerGcs = at256?.actorGcs.roles.learner?.maxPerMillion;
  const gcNote = at256 === undefined ? missing : at256.actorGcs.available ? undefined : at256.actorGcs.note;
  return {
    appendsPerSecond256: goal('appends/s, 256 appenders (memory, 3 acceptors, 16 B)', at256?.perSecond, 'at least', 1_000_000, at256 ? undefined : missing),
    appendsPerSecondSaturation: goal(
      `appends/s, ${SATURATION_CONCURRENCY} appenders (memory, 3 acceptors, 16 B)`,
      saturation?.perSecond,
      'at least',
      1_000_000,
      saturation ? undefined : lacks(`memory, 3 acceptors, 16 B, ${SATURATION_CONCURRENCY} in flight`),
    ),
    singleAppenderP50VsAtomics: goal(
      '1 appender p50 / Atomics wait-notify round trip p50',
      at1 ? at1.latency.p50Microseconds / atomicsP50 : undefined,
      'at most',
      2,
      at1 ? `p50 ${formatLatencyMs(at1.latency.p50Microseconds)} vs ${formatLatencyMs(atomicsP50)}` : missing,
    ),
    singleAppenderP99VsAtomics: goal(
      '1 appender p99 / Atomics wait-notify round trip p50',
      at1 ? at1.latency.p99Microseconds / atomicsP50 : undefined,
      'at most',
      5,
      at1 ? `p99 ${formatLatencyMs(at1.latency.p99Microseconds)} vs ${formatLatencyMs(atomicsP50)}` : missing,
    ),
    acceptorMinorGcsPerMillion: goal(
      'minor GCs per 1M commands, worst acceptor (256 appenders)',
      acceptorGcs,
      'at most',
      5,
      gcNote,
    ),
    learnerMinorGcsPerMillion: goal('minor GCs per 1M commands, learner (256 appenders)', learnerGcs, 'at most', 20, gcNote),
    appendsPerSecond256KiB: goal(
      'appends/s, 256 appenders (memory, 3 acceptors, 1 KiB)',
      kib256?.perSecond,
      'at least',
      300_000,
      kib256 ? undefined : lacks('memory, 3 acceptors, 1 KiB, 256 in flight'),
    ),
    payloadGigabytesPerSecond64KiB: goal(
      'payload GB/s, 16 appenders (memory, 3 acceptors, 64 KiB)',
      big16 ? (big16.perSecond * big16.entryBytes) / 1e9 : undefined,
      'at least',
      1,
      // The log grows into fresh memory: the machine's own rate for that is the context of this figure.
      big16 ? `this machine copies into fresh memory at ${formatGigabytesPerSecond(freshMemoryGigabytesPerSecond)}` : lacks('memory, 3 acceptors, 64 KiB, 16 in flight'),
    ),
    // No collapse: 256 large entries in flight commit at least at most of the rate 16 do.
    largeEntries256Vs16: goal(
      '64 KiB appends/s, 256 / 16 appenders (memory, 3 acceptors)',
      big256 && big16 ? big256.perSecond / big16.perSecond : undefined,
      'at least',
      0.8,
      big256 && big16 ? `${formatRate(big256.perSecond)} vs ${formatRate(big16.perSecond)}` : lacks('memory, 3 acceptors, 64 KiB, 16 and 256 in flight'),
    ),
    fileVsMemory256: goal(
      'file (fsync batch) / memory appends/s, 256 appenders, 16 B',
      file256 && at256 ? file256.perSecond / at256.perSecond : undefined,
      'at least',
      0.7,
      file256 && at256 ? `${formatRate(file256.perSecond)} vs ${formatRate(at256.perSecond)}${fileRoundNote(at256, diskSync)}` : lacks('file and memory, 3 acceptors, 16 B, 256 in flight'),
    ),
  };
}

export function describeConfiguration(c: LogConfiguration): string {
  return `${c.storage}, ${c.acceptors} acceptors, ${formatEntryBytes(c.entryBytes)}, ${c.concurrency} in flight`;
}

/** One configuration's runs, on a log of its own (`openLog`: ReplicatedLog.open, or a test's wrapper of it). */
export async function measureConfiguration(
  configuration: LogConfiguration,
  options: BenchOptions,
  openLog: (options: LogOptions) => Promise<ReplicatedLog> = (logOptions) => ReplicatedLog.open(logOptions),
): Promise<LogFigures> {
  await settleMemory();
  const rssBytesAtStart = residentBytes();
  const dir = configuration.storage === 'file' ? mkdtempSync(join(tmpdir(), 'synod-bench-log-')) : undefined;
  const logOptions: LogOptions = { acceptors: configuration.acceptors, ...(dir ? { storage: { dir, fsync: 'batch' } } : {}) };
  const log = await openLog(logOptions);
  try {
    await log.append(new Uint8Array(configuration.entryBytes)); // a leader is elected and the path is warm
    const threads = loadThreadsOf(configuration.concurrency, options);
    const pool = await startLoad(() => ({ kind: 'log', handle: log.handle() }), configuration.concurrency, configuration.entryBytes, threads);
    try {
      const actorRuns: ActorGcFigures[] = [];
      const first = await snapshotActors(log);
      let before = first;
      const closedLoop = await measureWindowRuns(pool, options, {
        afterRun: async () => {
          // Each run starts from an empty log: an in-memory log holds at most memoryBytesMax (4 GiB),
          // which 64 KiB entries on 16 cores (700 MB/s) filled by the third run.
          await log.trim(log.bounds().nextIndex);
          const after = await snapshotActors(log);
          actorRuns.push(actorGcsBetween(before, after));
          before = after;
        },
      });
      const threadCpu = threadCpuBetween(first, before);
      return { ...configuration, loadThreads: pool.size, ...closedLoop, actorGcs: worstOf(actorRuns), threadCpu, rssBytesAtStart, rssBytesAtEnd: residentBytes() };
    } finally {
      await pool.close();
    }
  } finally {
    await log.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What the file / memory ratio stands on: a round of the memory log at that concurrency (in
 * flight / rate, by Little's law) against one of this machine's fdatasyncs with one writer per
 * acceptor at once. A file round waits for a majority of the syncs on top of a memory round.
 */
function fileRoundNote(memory: LogFigures, diskSync: DiskSyncFigures | undefined): string {
  if (diskSync === undefined || !(memory.perSecond > 0)) return '';
  const roundMicroseconds = (memory.concurrency / memory.perSecond) * 1e6;
  return `; a memory round took ${formatLatencyMs(roundMicroseconds)}, an fdatasync here ${formatLatencyMs(diskSync.concurrentP50Microseconds)} with ${diskSync.concurrency} at once`;
}

export async function measureAtomicsRoundTrip(options: BenchOptions): Promise<number> {
  const word = new SharedArrayBuffer(4);
  const timing = { warmupMs: Math.min(options.warmupMs, 200), durationMs: Math.min(options.durationMs, 1000) };
  const [pinger] = await runWorkerGroup<AtomicsResult>(
    [
      { entry: ATOMICS_WORKER, data: { role: 'pinger', word, ...timing } },
      { entry: ATOMICS_WORKER, data: { role: 'ponger', word, ...timing } },
    ],
    timing.warmupMs + timing.durationMs + 30_000,
  );
  if (pinger === undefined || pinger.samples <= 0) throw new Error('the Atomics round trip measured nothing');
  return pinger.p50Microseconds;
}

export function renderLogReport(report: LogReport): string {
  const { settings } = report;
  const failed = report.configurations.filter((f) => f.failed > 0);
  return [
    'synod bench log',
    '',
    renderMachine(report.machine),
    wrapText(
      `each figure: median of ${settings.runs} run(s) of ${describeClosedLoopWarmup(settings.warmupMs)} + ${settings.durationMs / 1000} s measured;` +
        ` closed loop, the appends in flight split over up to ${settings.loadThreadsMax} load threads, started together; file storage: a temp dir, fsync batch`,
    ),
    `baseline: bare SharedArrayBuffer wait/notify round trip p50 ${formatLatencyMs(report.baseline.atomicsRoundTripP50Microseconds)}`,
    wrapText(
      `baseline: copying 64 KiB entries into memory never written ${formatGigabytesPerSecond(report.baseline.freshMemoryGigabytesPerSecond)}, over memory written before ${formatGigabytesPerSecond(report.baseline.rewrittenMemoryGigabytesPerSecond)}` +
        ' (a log in memory that is not trimmed grows: its learner writes each entry into fresh memory)',
    ),
    ...(report.baseline.diskSync === undefined
      ? []
      : [
          wrapText(
            `baseline: fdatasync after a ${formatEntryBytes(DISK_SYNC_BLOCK_BYTES)} append to a file in the temp dir p50 ${formatLatencyMs(report.baseline.diskSync.aloneP50Microseconds)} alone,` +
              ` ${formatLatencyMs(report.baseline.diskSync.concurrentP50Microseconds)} with ${report.baseline.diskSync.concurrency} files synced at once (one per acceptor)`,
          ),
        ]),
    '',
    renderTable([
      ['storage', 'acceptors', 'entry', 'in flight', 'appends/s', 'p50', 'p99', 'payload'],
      ...report.configurations.map((f) => [
        f.storage,
        String(f.acceptors),
        formatEntryBytes(f.entryBytes),
        String(f.concurrency),
        formatRate(f.perSecond),
        formatLatencyMs(f.latency.p50Microseconds),
        formatLatencyMs(f.latency.p99Microseconds),
        formatMegabytesPerSecond(f.perSecond * f.entryBytes),
      ]),
    ]),
    ...renderThreadCpu(report.configurations),
    ...(failed.length > 0 ? ['', wrapText(`rejected appends: ${failed.map((f) => `${f.failed} (${describeConfiguration(f)})`).join('; ')}`)] : []),
    '',
    // The GC note explains columns that are only in the JSON now.
    ...report.notes.filter((note) => note !== GC_NOTE).map((note) => wrapText(`note: ${note}`)),
    detailsNote('p90, p99.9, max; GCs per 1M appends by thread; RSS'),
    '',
    renderTargets(Object.values(report.targets)),
  ].join('\n');
}

/** The configurations the goals name, where this run has them: where their CPU went. */
function renderThreadCpu(figures: readonly LogFigures[]): string[] {
  const named = figures.filter(
    (f) =>
      f.acceptors === 3 &&
      ((f.storage === 'memory' && f.entryBytes === 16 && (f.concurrency === 256 || f.concurrency === SATURATION_CONCURRENCY)) ||
        (f.storage === 'memory' && f.entryBytes === 1024 && f.concurrency === 256) ||
        (f.storage === 'memory' && f.entryBytes === 65_536 && f.concurrency === 16) ||
        (f.storage === 'file' && f.entryBytes === 16 && f.concurrency === 256)),
  );
  if (named.length === 0) return [];
  return [
    '',
    wrapText('CPU per committed command: all threads of the process, then each actor thread, busiest first (% of one core):'),
    ...named.map((f) => wrapText(`${describeConfiguration(f)}: ${describeThreadCpu(f.threadCpu)}`, 100, '    ', '  ')),
  ];
}
