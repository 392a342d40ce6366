import { ReplicatedLog } from '../../src/index.js';
import type { BenchOptions } from '../lib/args.js';
import { closedLoopSeconds, describeClosedLoopTiming, describeClosedLoopWarmup } from '../lib/first-run-warmup.js';
import { formatLatencyMs, formatRate, formatRatio, renderTable, wrapText } from '../lib/format.js';
import { machineInfo, type MachineInfo } from '../lib/machine.js';
import { stepsOf } from '../lib/progress.js';
import type { ProgressSink, Suite } from '../lib/suite.js';
import { goal, type GoalCheck } from '../lib/targets-check.js';
import { loadThreadsMaxOf, loadThreadsOf, measureWindowRuns, startLoad, type ClosedLoopFigures } from '../log/closed-loop.js';
import { detailsNote, renderMachine, renderTargets } from '../lib/text-report.js';
import { ETCD_INSTALL_HINT, findEtcd, startEtcdCluster, type EtcdCluster } from './etcd-cluster.js';

/**
 * synod against etcd, same run, same machine, same closed-loop workload: 16-byte values, 1 and
 * 256 operations in flight from the same number of load threads. synod: a log with 3 acceptors
 * in memory. etcd: three members on loopback with their data in /dev/shm, driven with puts
 * through the etcd3 client (gRPC). Skipped, with the reason and how to enable it, when the etcd
 * binary or the etcd3 package (an optional dependency) is missing.
 */
export const COMPARE_CONCURRENCY = [1, 256];
export const COMPARE_VALUE_BYTES = 16;
/** Seconds to start a log or the etcd clients and the load threads, per measurement; and to start three etcd members. */
const COMPARE_SETUP_SECONDS = 2;
const ETCD_START_SECONDS = 5;

export interface CompareRow {
  readonly concurrency: number;
  readonly synod: ClosedLoopFigures;
  /** null when etcd was skipped, or when its measurement failed (etcdError says how). */
  readonly etcd: ClosedLoopFigures | null;
  /** Why etcd has no figures at this concurrency although it ran (say, no put completed: a stalled cluster); else null. */
  readonly etcdError: string | null;
  /** synod ops/s over etcd ops/s; null when etcd has no figures. */
  readonly ratio: number | null;
}

export interface CompareReport {
  readonly suite: 'compare';
  readonly machine: MachineInfo;
  readonly settings: { durationMs: number; warmupMs: number; runs: number; valueBytes: number; concurrency: number[]; loadThreadsMax?: number };
  readonly etcd: {
    readonly ran: boolean;
    readonly version: string | null;
    readonly skipReason: string | null;
    /** When skipped: what to install so that the next run compares. */
    readonly howToEnable: string | null;
    readonly dataDir: string | null;
  };
  readonly rows: readonly CompareRow[];
  readonly targets: { readonly ratioAt256: GoalCheck };
}

export const compareSuite: Suite = {
  name: 'compare',
  description: 'synod vs a three-member etcd on loopback (data in /dev/shm): the same closed loop of 16-byte writes, ratio',
  estimate(options) {
    const concurrencies = options.grid?.concurrency ?? COMPARE_CONCURRENCY;
    // Only the binary is looked for here (a quick `etcd --version`); a missing etcd3 package shows up when the suite runs.
    const systems = findEtcd() === undefined ? 1 : 2;
    const measurements = concurrencies.length * systems;
    return {
      measurements,
      steps: measurements + (systems === 2 ? 1 : 0),
      seconds: measurements * closedLoopSeconds(options, COMPARE_SETUP_SECONDS) + (systems === 2 ? ETCD_START_SECONDS : 0),
      basis:
        `${concurrencies.length} in-flight level(s) x ${systems === 2 ? 'synod and etcd' : 'synod (no etcd binary found)'}, each ${describeClosedLoopTiming(options)},` +
        ` plus about ${COMPARE_SETUP_SECONDS} s to start each`,
    };
  },
  async run(options, progress) {
    const report = await measureCompare(options, progress);
    return { json: report as unknown as Record<string, unknown>, text: renderCompareReport(report) };
  },
};

/** etcd is compared when both halves are installed; otherwise why not, and what would enable it. */
type EtcdAvailability = { binary: string; version: string } | { skipReason: string; howToEnable: string };

async function etcdAvailability(): Promise<EtcdAvailability> {
  const found = findEtcd();
  if (found === undefined) return { skipReason: 'no etcd binary found', howToEnable: ETCD_INSTALL_HINT };
  try {
    // Loaded by name: the build needs no types from it, and a missing package is a skip, not a crash.
    const moduleName = 'etcd3';
    await import(moduleName);
  } catch {
    return {
      skipReason: 'the etcd3 npm package (the gRPC client; an optional dependency of synod) is not installed',
      howToEnable: 'npm install etcd3 (in the project that installed synod; installs with --omit=optional leave it out)',
    };
  }
  return found;
}

async function measureCompare(options: BenchOptions, progress: ProgressSink): Promise<CompareReport> {
  const concurrencies = [...(options.grid?.concurrency ?? COMPARE_CONCURRENCY)];
  const steps = stepsOf(progress);
  const availability = await etcdAvailability();
  const etcdRuns = !('skipReason' in availability);
  steps.plan(concurrencies.length * (etcdRuns ? 2 : 1) + (etcdRuns ? 1 : 0), 'compare');
  if (!etcdRuns) progress(`etcd part SKIPPED: ${availability.skipReason}: ${availability.howToEnable}`);
  let cluster: EtcdCluster | undefined;
  const rows: CompareRow[] = [];
  try {
    if (etcdRuns) {
      steps.step('starting a three-member etcd cluster');
      cluster = await startEtcdCluster(availability.binary, availability.version, progress);
    }
    for (const concurrency of concurrencies) {
      steps.step(`synod, ${concurrency} in flight`);
      const synod = await measureSynod(concurrency, options);
      let etcd: ClosedLoopFigures | null = null;
      let etcdError: string | null = null;
      if (cluster !== undefined) {
        steps.step(`etcd, ${concurrency} in flight`);
        // A failed etcd measurement costs its row's ratio, not synod's figures and the other rows.
        try {
          etcd = await measureEtcd(cluster, concurrency, options);
        } catch (error) {
          etcdError = error instanceof Error ? error.message : String(error);
          progress(`etcd, ${concurrency} in flight, FAILED: ${etcdError}`);
        }
      }
      rows.push({ concurrency, synod, etcd, etcdError, ratio: etcd === null ? null : synod.perSecond / etcd.perSecond });
    }
  } finally {
    await cluster?.stop();
  }
  const at256 = rows.find((row) => row.concurrency === 256);
  return {
    suite: 'compare',
    machine: machineInfo(),
    settings: {
      durationMs: options.durationMs,
      warmupMs: options.warmupMs,
      runs: options.runs,
      valueBytes: COMPARE_VALUE_BYTES,
      concurrency: concurrencies,
      loadThreadsMax: loadThreadsMaxOf(options),
    },
    etcd: {
      ran: etcdRuns,
      version: etcdRuns ? availability.version : null,
      skipReason: etcdRuns ? null : availability.skipReason,
      howToEnable: etcdRuns ? null : availability.howToEnable,
      dataDir: cluster?.dataDir ?? null,
    },
    rows,
    targets: {
      ratioAt256: goal(
        'synod / etcd writes/s, 256 in flight',
        at256?.ratio,
        'at least',
        200,
        !etcdRuns
          ? `etcd skipped: ${availability.skipReason}`
          : at256 === undefined
            ? 'this run did not measure 256 in flight'
            : at256.etcdError !== null
              ? `etcd failed at 256 in flight: ${at256.etcdError}`
              : undefined,
      ),
    },
  };
}

async function measureSynod(concurrency: number, options: BenchOptions): Promise<ClosedLoopFigures> {
  const log = await ReplicatedLog.open({ acceptors: 3 });
  try {
    await log.append(new Uint8Array(COMPARE_VALUE_BYTES));
    const pool = await startLoad(() => ({ kind: 'log', handle: log.handle() }), concurrency, COMPARE_VALUE_BYTES, loadThreadsOf(concurrency, options));
    try {
      return await measureWindowRuns(pool, options);
    } finally {
      await pool.close();
    }
  } finally {
    await log.close();
  }
}

async function measureEtcd(cluster: EtcdCluster, concurrency: number, options: BenchOptions): Promise<ClosedLoopFigures> {
  const pool = await startLoad(
    (thread) => ({ kind: 'etcd', endpoints: cluster.clientUrls, keyPrefix: `synod-bench/${concurrency}/${thread}` }),
    concurrency,
    COMPARE_VALUE_BYTES,
    loadThreadsOf(concurrency, options),
  );
  try {
    return await measureWindowRuns(pool, options);
  } finally {
    await pool.close();
  }
}

export function renderCompareReport(report: CompareReport): string {
  const { settings } = report;
  const row = (name: string, f: ClosedLoopFigures | null, concurrency: number, error: string | null = null): string[] =>
    f === null
      ? [name, String(concurrency), error === null ? 'skipped' : 'FAILED', '-', '-']
      : [name, String(concurrency), formatRate(f.perSecond), formatLatencyMs(f.latency.p50Microseconds), formatLatencyMs(f.latency.p99Microseconds)];
  const failed = report.rows.reduce((sum, r) => sum + r.synod.failed + (r.etcd?.failed ?? 0), 0);
  return [
    'synod bench compare',
    '',
    renderMachine(report.machine),
    wrapText(
      `closed loop, ${settings.valueBytes}-byte values; each figure: median of ${settings.runs} run(s) of ${describeClosedLoopWarmup(settings.warmupMs)} +` +
        ` ${settings.durationMs / 1000} s measured; the same load threads${settings.loadThreadsMax === undefined ? '' : ` (up to ${settings.loadThreadsMax}, the lanes split evenly)`} drive both systems`,
    ),
    'synod: ReplicatedLog, 3 acceptors in memory, append()',
    wrapText(
      report.etcd.ran
        ? `etcd ${report.etcd.version}: 3 members on 127.0.0.1, data in RAM (/dev/shm), put() through the etcd3 client (gRPC)`
        : `etcd: SKIPPED (${report.etcd.skipReason}; to compare: ${report.etcd.howToEnable})`,
    ),
    '',
    renderTable([
      ['system', 'in flight', 'writes/s', 'p50', 'p99'],
      ...report.rows.flatMap((r) => [row('synod', r.synod, r.concurrency), row('etcd', r.etcd, r.concurrency, r.etcdError)]),
    ]),
    ...(failed > 0 ? [`rejected writes: ${failed}`] : []),
    ...report.rows.filter((r) => r.etcdError !== null).map((r) => wrapText(`etcd at ${r.concurrency} in flight FAILED: ${r.etcdError}`)),
    '',
    'ratio synod / etcd: ' + report.rows.map((r) => `${r.concurrency} in flight ${r.ratio === null ? 'n/a' : formatRatio(r.ratio)}`).join(', '),
    detailsNote('p90, p99.9, max; GCs per 1M writes by thread'),
    '',
    renderTargets([report.targets.ratioAt256]),
  ].join('\n');
}
