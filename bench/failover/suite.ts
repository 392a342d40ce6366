import { ReplicatedLog } from '../../src/index.js';
import type { BenchOptions } from '../lib/args.js';
import { formatCount, formatRate, renderTable, wrapText } from '../lib/format.js';
import { machineInfo, type MachineInfo } from '../lib/machine.js';
import { residentBytes } from '../lib/process-figures.js';
import { stepsOf, type Steps } from '../lib/progress.js';
import { maximum, median } from '../lib/stats.js';
import type { Suite } from '../lib/suite.js';
import { goal, type GoalCheck } from '../lib/targets-check.js';
import { startLoad } from '../log/closed-loop.js';
import type { LoadPool } from '../lib/load-pool.js';
import { CONTROL_COMPLETIONS, CONTROL_KILLS, CONTROL_KILL_TIMES_BYTE, CONTROL_STOP, type TimelineResult } from '../log/load-protocol.js';
import { detailsNote, renderMachine, renderTargets } from '../lib/text-report.js';
import { APPEND_TAG_BYTES } from '../lib/append-tag.js';
import { checkExactlyOnce, type ExactlyOnceFigures } from './exactly-once.js';

/**
 * Failover suite: appenders keep the log busy while the leader is killed, again and again. For
 * each kill, the pause runs from the moment the kill was requested to the first commit of an
 * append issued after the old leader could no longer commit anything: once its thread is gone
 * (the kill call returned) or once a new leader was elected (a majority of acceptors promised a
 * higher ballot, so the old one's Accepts are refused), whichever came first. The kill call alone
 * takes milliseconds (Node tears the worker's isolate down), and an append issued while it does
 * can only be committed by the new leader if one is already elected. The pause counted from the
 * kill call's return, and the first commit of any append after the kill (in-flight slots may
 * still land), are shown too. After the run the whole log is read back and checked against
 * every lane's acknowledged indexes: none lost, none duplicated.
 * Between kills the killed proposer is restarted (it comes back as a standby) and the log runs
 * undisturbed for a while, so each kill starts from a steady state.
 */
export const FAILOVER_IN_FLIGHT = 256;
/** Crashes of the (only) learner after the leader kills, each repaired by the supervisor. */
const LEARNER_KILLS = 3;
const BUCKET_MS = 10;
/** A kill after which nothing commits for this long counts as no recovery (pause = Infinity). */
const RECOVERY_TIMEOUT_MS = 10_000;
const SETTLE_MIN_MS = 150;
/** Seconds to open the log and start the load, and to read the log back at the end (2-core VM). */
const FAILOVER_FIXED_SECONDS = 4;

function killsOf(options: BenchOptions): number {
  return options.grid?.kills ?? Math.max(3, 2 * options.runs + 1);
}

function settleMsOf(options: BenchOptions): number {
  return Math.max(SETTLE_MIN_MS, options.durationMs / 2);
}

export interface KillFigures {
  /** ms since the timeline's start. */
  readonly atMs: number;
  readonly proposer: number;
  /** Kill requested -> first commit of an append issued after the old leader could no longer commit; null: none within the timeout. */
  readonly pauseMs: number | null;
  /** Kill requested -> first commit of an append issued after the kill call returned. */
  readonly pauseAfterKillReturnedMs: number | null;
  /** Kill requested -> first commit of any append. */
  readonly firstCommitAfterMs: number | null;
  readonly restartedAtMs: number;
  /**
   * Where the pause went, each from the kill request (null: not seen): the kill call returned
   * (the thread is gone), the new leader was asked to campaign (the runtime's exit event), and it
   * became leader (its counters, wall clock).
   */
  readonly phasesMs: { readonly killed: number | null; readonly campaignRequested: number | null; readonly leading: number | null };
}

/**
 * A crash of the only learner under the same load, left to the supervisor: no acknowledgement can
 * come until a learner delivers again, so this is the whole log's pause for that fault.
 */
export interface LearnerKillFigures {
  /** ms since the timeline's start. */
  readonly atMs: number;
  /** Kill requested -> the supervisor's restart reported (a thread hosts the learner again, its log replayed). */
  readonly restartMs: number | null;
  /** Kill requested -> acknowledgements resumed: more appends completed than were in flight at the kill. */
  readonly resumedMs: number | null;
  /** Entries the learner replayed from its store at the restart (the log's length then). */
  readonly entries: number;
}

export interface FailoverReport {
  readonly suite: 'failover';
  readonly machine: MachineInfo;
  readonly settings: {
    readonly durationMs: number;
    readonly warmupMs: number;
    readonly kills: number;
    readonly inFlight: number;
    readonly loadThreads: number;
    readonly bucketMs: number;
    readonly electionTimeoutMs: number;
    readonly heartbeatIntervalMs: number;
  };
  readonly pauseP50Ms: number | null;
  readonly pauseMaxMs: number | null;
  readonly firstCommitAfterP50Ms: number | null;
  readonly appendsPerSecond: number;
  readonly failed: number;
  readonly kills: readonly KillFigures[];
  readonly learnerKills: readonly LearnerKillFigures[];
  readonly learnerResumedP50Ms: number | null;
  /** Commits per bucket from the timeline's start (all load threads together). */
  readonly timeline: { readonly bucketMs: number; readonly commits: readonly number[] };
  readonly rssBytesAtEnd: number;
  /** The log read back after the run against every lane's acknowledged indexes. */
  readonly exactlyOnce: ExactlyOnceFigures;
  readonly targets: { readonly pauseP50: GoalCheck; readonly pauseMax: GoalCheck; readonly exactlyOnce: GoalCheck };
}

export const failoverSuite: Suite = {
  name: 'failover',
  description: 'kill the leader under load, repeatedly: the pause from the kill to the next committed append',
  estimate(options) {
    const kills = killsOf(options);
    const settleSeconds = settleMsOf(options) / 1000;
    // Per kill: recovery, settle, restart, settle; per learner crash: its restart, settle; then the log read back.
    const seconds =
      FAILOVER_FIXED_SECONDS + options.warmupMs / 1000 + settleSeconds + kills * (2 * settleSeconds + 1) + LEARNER_KILLS * (settleSeconds + 0.5);
    return {
      measurements: kills + LEARNER_KILLS,
      steps: kills + LEARNER_KILLS + 2,
      seconds,
      basis: `${kills} leader kills and ${LEARNER_KILLS} learner crashes under load, ${settleSeconds} s of settling around each (half of --duration, at least ${SETTLE_MIN_MS / 1000} s)`,
    };
  },
  async run(options, progress) {
    const report = await measureFailover(options, stepsOf(progress), progress);
    return { json: report as unknown as Record<string, unknown>, text: renderFailoverReport(report) };
  },
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const absoluteNow = (): number => performance.timeOrigin + performance.now();

async function measureFailover(options: BenchOptions, steps: Steps, note: (line: string) => void): Promise<FailoverReport> {
  const kills = killsOf(options);
  const inFlight = options.grid?.concurrency?.[options.grid.concurrency.length - 1] ?? FAILOVER_IN_FLIGHT;
  const settleMs = settleMsOf(options);
  steps.plan(kills + LEARNER_KILLS + 2, 'failover');
  steps.step('opening the log and warming up');
  const electionTimeoutMs = 100;
  const heartbeatIntervalMs = 20;
  const log = await ReplicatedLog.open({ acceptors: 3, electionTimeoutMs, heartbeatIntervalMs });
  const buckets = Math.ceil((options.warmupMs + settleMs + kills * (2 * settleMs + RECOVERY_TIMEOUT_MS + 2000) + 5000) / BUCKET_MS);
  const control = new SharedArrayBuffer(CONTROL_KILL_TIMES_BYTE + 8 * kills);
  const words = new Int32Array(control, 0, 4);
  const killTimes = new Float64Array(control, CONTROL_KILL_TIMES_BYTE, kills);
  try {
    await log.append(new Uint8Array(APPEND_TAG_BYTES / 2)); // shorter than a tag: not taken for a load lane's append
    const pool = await startLoad((thread) => ({ kind: 'log', handle: log.handle(), tagWriter: thread }), inFlight, 16);
    try {
      return await measureUnderLoad(pool);
    } finally {
      // Also when a step failed: load threads left running keep the process from exiting.
      await pool.close();
    }
  } finally {
    Atomics.store(words, CONTROL_STOP, 1);
    await log.close();
  }

  async function measureUnderLoad(pool: LoadPool): Promise<FailoverReport> {
    let baseMs = 0;
    let endMs = 0;
    const killRecords: Array<{ atMs: number; proposer: number; restartedAtMs: number; phasesMs: KillFigures['phasesMs'] }> = [];
    const learnerKills: LearnerKillFigures[] = [];
    let resultsPromise: Promise<TimelineResult[]> | undefined;
    try {
      baseMs = absoluteNow();
      let started!: () => void;
      const startedPromise = new Promise<void>((resolve) => (started = resolve));
      resultsPromise = pool.run<TimelineResult>(
        { mode: 'timeline', baseMs, bucketMs: BUCKET_MS, buckets, control, killsMax: kills },
        buckets * BUCKET_MS + 60_000,
        () => started(),
      );
      resultsPromise.catch(() => undefined);
      await Promise.race([startedPromise, resultsPromise]);
      await sleep(options.warmupMs + settleMs);
      for (let k = 0; k < kills; k++) {
        steps.step(`kill ${k + 1}/${kills}`);
        const leader = await findLeader(log);
        killTimes[k] = absoluteNow();
        await log.cluster.kill(leader, { restart: false }); // down until the restart below, as before supervision
        const killedMs = absoluteNow() - killTimes[k]!;
        Atomics.store(words, CONTROL_KILLS, k + 1);
        const completionsAtKill = Atomics.load(words, CONTROL_COMPLETIONS);
        // Wait for commits to resume (or give up), then let the new leader run a while.
        const giveUpMs = performance.now() + RECOVERY_TIMEOUT_MS;
        while (Atomics.load(words, CONTROL_COMPLETIONS) <= completionsAtKill + inFlight && performance.now() < giveUpMs) await sleep(5);
        if (performance.now() >= giveUpMs) note(`kill ${k + 1}: no recovery within ${RECOVERY_TIMEOUT_MS} ms; ${await actorsNow(log)}`);
        await sleep(settleMs);
        const phasesMs = await phasesOf(log, leader, killTimes[k]!, killedMs);
        await log.cluster.restart(leader);
        killRecords.push({ atMs: killTimes[k]! - baseMs, proposer: leader, restartedAtMs: absoluteNow() - baseMs, phasesMs });
        await sleep(settleMs);
      }
      for (let k = 0; k < LEARNER_KILLS; k++) {
        steps.step(`learner crash ${k + 1}/${LEARNER_KILLS}`);
        const crash = await crashLearner(log, words, inFlight, baseMs);
        if (crash.resumedMs === null) note(`learner crash ${k + 1}: no acknowledgement within ${RECOVERY_TIMEOUT_MS} ms; ${await actorsNow(log)}`);
        learnerKills.push(crash);
        await sleep(settleMs);
      }
    } finally {
      endMs = absoluteNow();
      Atomics.store(words, CONTROL_STOP, 1);
    }
    const results = await resultsPromise!;
    const rssBytesAtEnd = residentBytes();
    await pool.close();
    const firstIssued = killRecords.map((_, k) => Math.min(...results.map((r) => r.firstCompletionIssuedAfterKill[k] ?? Infinity)));
    const firstAny = killRecords.map((_, k) => Math.min(...results.map((r) => r.firstCompletionAfterKill[k] ?? Infinity)));
    const killFigures: KillFigures[] = killRecords.map((record, k) => {
      const afterReturn = firstIssued[k]! - killTimes[k]!;
      // When the old leader could no longer commit, from the kill request.
      const fencedMs = Math.min(record.phasesMs.killed ?? Infinity, record.phasesMs.leading ?? Infinity);
      let firstCommit = Infinity;
      for (const result of results) {
        for (const [issued, completed] of result.issuedAfterKill[k] ?? []) {
          if (issued - killTimes[k]! >= fencedMs && completed < firstCommit) firstCommit = completed;
        }
      }
      const pause = Math.min(firstCommit - killTimes[k]!, afterReturn);
      return {
        ...record,
        pauseMs: finiteOrNull(pause),
        pauseAfterKillReturnedMs: finiteOrNull(afterReturn),
        firstCommitAfterMs: finiteOrNull(firstAny[k]! - killTimes[k]!),
      };
    });
    steps.step('reading the log back: every acknowledged append once, at its index');
    const acknowledged: number[][][] = [];
    for (const result of results) if (result.writer !== undefined && result.acknowledged !== undefined) acknowledged[result.writer] = result.acknowledged;
    const exactlyOnce = await checkExactlyOnce(log, acknowledged);
    const usedBuckets = Math.min(buckets, Math.ceil((endMs - baseMs) / BUCKET_MS));
    const commits = new Array<number>(usedBuckets).fill(0);
    for (const result of results) for (let b = 0; b < usedBuckets; b++) commits[b]! += result.perBucket[b] ?? 0;
    const completed = results.reduce((sum, r) => sum + r.completed, 0);
    // A kill with no recovery counts as an infinite pause: the median and max say so rather than drop it.
    const pauses = killFigures.map((k) => k.pauseMs ?? Infinity);
    const anyPauses = killFigures.map((k) => k.firstCommitAfterMs ?? Infinity);
    const pauseP50 = pauses.length > 0 ? finiteOrNull(median(pauses)) : null;
    const pauseMax = pauses.length > 0 ? finiteOrNull(maximum(pauses)) : null;
    return {
      suite: 'failover',
      machine: machineInfo(),
      settings: {
        durationMs: options.durationMs,
        warmupMs: options.warmupMs,
        kills,
        inFlight,
        loadThreads: pool.size,
        bucketMs: BUCKET_MS,
        electionTimeoutMs,
        heartbeatIntervalMs,
      },
      pauseP50Ms: pauseP50,
      pauseMaxMs: pauseMax,
      firstCommitAfterP50Ms: anyPauses.length > 0 ? finiteOrNull(median(anyPauses)) : null,
      appendsPerSecond: completed / ((endMs - baseMs) / 1000),
      failed: results.reduce((sum, r) => sum + r.failed, 0),
      kills: killFigures,
      learnerKills,
      learnerResumedP50Ms: finiteOrNull(median(learnerKills.map((kill) => kill.resumedMs ?? Infinity))),
      timeline: { bucketMs: BUCKET_MS, commits },
      rssBytesAtEnd,
      exactlyOnce,
      targets: {
        pauseP50: goal('leader failover pause, median (ms)', pauseP50, 'below', 20),
        pauseMax: goal(`leader failover pause, max of ${kills} kills (ms)`, pauseMax, 'below', 50),
        exactlyOnce: goal('acknowledged appends lost or duplicated', exactlyOnce.lost + exactlyOnce.duplicated, 'at most', 0),
      },
    };
  }
}

/**
 * Kills the learner as a crash would (the supervisor restarts it from its store) and times the
 * restart and the resumption of acknowledgements: completions past those that could have been in
 * flight once the kill returned (each lane of the closed loop has one append out at a time, and
 * acknowledgements the old learner sent before it died may still arrive). Counted from the kill's
 * return, not its request: appends completing while the kill call ran are no sign of a new learner
 * (a slow kill was taken for a resumption, and the next crash then found the learner restarting).
 * Returns once the learner runs again, so the next crash has one to kill.
 */
async function crashLearner(log: ReplicatedLog, words: Int32Array, inFlight: number, baseMs: number): Promise<LearnerKillFigures> {
  const learner = (await log.cluster.actors()).find((actor) => actor.role === 'learner')!.id;
  const entries = log.bounds().nextIndex;
  let restartedAtMs = Infinity;
  const onRestart = (event: { id: number }): void => {
    if (event.id === learner) restartedAtMs = performance.now();
  };
  log.on('actorRestart', onRestart);
  try {
    const killedAt = performance.now();
    const atMs = absoluteNow() - baseMs;
    await log.cluster.kill(learner);
    const completionsAtKill = Atomics.load(words, CONTROL_COMPLETIONS);
    const giveUpMs = killedAt + RECOVERY_TIMEOUT_MS;
    let resumedAtMs = Infinity;
    while (performance.now() < giveUpMs) {
      if (Atomics.load(words, CONTROL_COMPLETIONS) > completionsAtKill + inFlight) {
        resumedAtMs = performance.now();
        break;
      }
      await sleep(1);
    }
    while (restartedAtMs === Infinity && performance.now() < giveUpMs) await sleep(1);
    return { atMs, restartMs: finiteOrNull(restartedAtMs - killedAt), resumedMs: finiteOrNull(resumedAtMs - killedAt), entries };
  } finally {
    log.off('actorRestart', onRestart);
  }
}

/** Every actor's state in one line, for a run that did not recover: the note says where it stuck. */
async function actorsNow(log: ReplicatedLog): Promise<string> {
  const actors = await log.cluster.actors();
  const states = actors.map((a) => `${a.role} ${a.id} ${a.alive ? 'alive' : 'dead'}${a.leader ? ' leading' : ''}, ${a.restarts} restarts`);
  return `actors: ${states.join('; ')}`;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** The new leader's own timeline of a kill at `killEpochMs` (wall clock, as its counters are), read once it leads. */
async function phasesOf(log: ReplicatedLog, killed: number, killEpochMs: number, killedMs: number): Promise<KillFigures['phasesMs']> {
  const actors = await log.cluster.actors();
  const next = actors.find((actor) => actor.role === 'proposer' && actor.alive && actor.leader && actor.id !== killed);
  if (next === undefined) return { killed: killedMs, campaignRequested: null, leading: null };
  const counters = await log.cluster.counters(next.id);
  const since = (epochMs: number | undefined): number | null => (epochMs === undefined || epochMs < killEpochMs ? null : epochMs - killEpochMs);
  return { killed: killedMs, campaignRequested: since(counters.campaignRequestedEpochMs), leading: since(counters.leaderSinceEpochMs) };
}

/** The proposer that believes it leads; waits a little for one (right after a restart there may be none). */
async function findLeader(log: ReplicatedLog): Promise<number> {
  const giveUpMs = performance.now() + RECOVERY_TIMEOUT_MS;
  for (;;) {
    const leader = (await log.cluster.actors()).find((actor) => actor.role === 'proposer' && actor.alive && actor.leader);
    if (leader !== undefined) return leader.id;
    if (performance.now() > giveUpMs) throw new Error('failover: no proposer leads, cannot kill a leader');
    await sleep(10);
  }
}

export function renderFailoverReport(report: FailoverReport): string {
  const { settings } = report;
  const ms = (value: number | null): string => (value === null ? 'none' : `${value.toFixed(1)} ms`);
  const at = (valueMs: number): string => `${(valueMs / 1000).toFixed(1)} s`;
  return [
    'synod bench failover',
    '',
    renderMachine(report.machine),
    wrapText(
      `${settings.kills} leader kills under load: ${settings.inFlight} appends of 16 B in flight over ${settings.loadThreads} threads,` +
        ` 3 acceptors in memory, 2 proposers (election timeout ${settings.electionTimeoutMs} ms, heartbeat ${settings.heartbeatIntervalMs} ms);` +
        ' the killed proposer is restarted between kills',
    ),
    wrapText(
      'pause: kill requested -> first commit of an append issued once the old leader could no longer commit' +
        ' (its kill returned, or a new leader was elected: whichever came first); after return: of appends issued after the kill returned;' +
        ' any commit: of any append; new leader: when the standby became leader (its own clock)',
    ),
    '',
    renderTable([
      ['kill', 'at', 'proposer', 'pause', 'after return', 'any commit', 'new leader'],
      ...report.kills.map((k, i) => [
        String(i + 1),
        at(k.atMs),
        String(k.proposer),
        ms(k.pauseMs),
        ms(k.pauseAfterKillReturnedMs ?? null),
        ms(k.firstCommitAfterMs),
        ms(k.phasesMs.leading),
      ]),
    ]),
    '',
    `pause: p50 ${ms(report.pauseP50Ms)}, max ${ms(report.pauseMaxMs)} (first commit of any append: p50 ${ms(report.firstCommitAfterP50Ms)})`,
    `throughput over the whole timeline: ${formatRate(report.appendsPerSecond)}; rejected appends: ${report.failed}`,
    '',
    wrapText(`${report.learnerKills.length} crashes of the only learner under the same load, each restarted by the supervisor from its store:`),
    renderTable([
      ['crash', 'at', 'entries replayed', 'restart', 'acks resumed'],
      ...report.learnerKills.map((k, i) => [String(i + 1), at(k.atMs), formatCount(k.entries), ms(k.restartMs), ms(k.resumedMs)]),
    ]),
    `learner crash: acknowledgements resumed after p50 ${ms(report.learnerResumedP50Ms)}`,
    '',
    wrapText(
      `read back: ${report.exactlyOnce.entries} entries; ${report.exactlyOnce.acknowledged} acknowledged appends,` +
        ` ${report.exactlyOnce.lost} not at their index, ${report.exactlyOnce.duplicated} in the log twice`,
    ),
    detailsNote('the kill and campaign phases, the commit timeline, RSS'),
    '',
    renderTargets([report.targets.pauseP50, report.targets.pauseMax, report.targets.exactlyOnce]),
  ].join('\n');
}
