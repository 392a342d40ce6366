// The seeded scheduler: one seed -> one cluster shape, one network, one fault plan, one run.
//
// A run has two phases. Chaos (chaosMs): messages are lost, duplicated and reordered at the
// seed's rates, and the fault plan partitions, crashes and restarts nodes. Then everything heals
// (partition removed, crashed nodes restarted, no more loss or duplication) and the run must
// finish within livenessBoundMs: every client's commands acknowledged and every learner caught
// up. Safety invariants are checked after every event in both phases. Finally the cluster idles
// a little and every acceptor must have dropped the delivered prefix (bounded memory).

import type { NodeId } from '../paxos/index.js';
import type { DeliberateBug } from './broken.js';
import { SimCluster, SIM_PROPOSER_OVERRIDES } from './cluster.js';
import type { SimClusterStats, ProposerOverrides } from './cluster.js';
import { formatFault, randomFaultPlan } from './faults.js';
import type { FaultPlan } from './faults.js';
import { SimViolation } from './invariants.js';
import type { NetworkFaults } from './network.js';
import { Rng } from './rng.js';

export interface ClusterShape {
  readonly proposers: number;
  readonly acceptors: number;
  readonly learners: number;
  readonly clients: number;
  readonly commandsPerClient: number;
  /** Appends each client keeps in flight (each in a session of its own). */
  readonly appendsInFlight: number;
}

export interface RunOptions {
  readonly trace?: boolean;
  /** Plant a deliberate bug (broken.ts), to prove the checker catches it. */
  readonly bug?: DeliberateBug;
  /** Replaces the plan drawn from the seed (fast-check supplies its own). */
  readonly plan?: FaultPlan;
  /** Replaces the network drawn from the seed. */
  readonly network?: NetworkFaults;
  readonly shape?: Partial<ClusterShape>;
  /** Default 1200. */
  readonly chaosMs?: number;
  /** Default 5000. */
  readonly livenessBoundMs?: number;
  /** Scales how often drawn faults happen. Default: drawn per seed from 0.5, 1, 2, 3. */
  readonly faultIntensity?: number;
  readonly proposer?: ProposerOverrides;
}

export interface RunViolation {
  readonly rule: string;
  readonly message: string;
  readonly atMs: number;
}

export interface RunResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly violation: RunViolation | null;
  /** Digest of every event in order: same seed, same hash. */
  readonly hash: string;
  readonly stats: SimClusterStats;
  readonly simulatedMs: number;
  readonly commandsDelivered: number;
  readonly slotsChosen: number;
  readonly shape: ClusterShape;
  readonly network: NetworkFaults;
  readonly plan: FaultPlan;
  /** Seed, shape, network and plan in words. */
  readonly description: string;
  /** Trace lines (only with trace: true). */
  readonly trace: readonly string[];
}

const MEMORY_SETTLE_MS = 500;
/** A crash meant to fall between a write and its sync happens by then anyway. */
const CRASH_BEFORE_SYNC_WITHIN_MS = 50;

export function runSeed(seed: number, options: RunOptions = {}): RunResult {
  const rng = new Rng(seed);
  const shape: ClusterShape = {
    proposers: rng.int(2, 3),
    acceptors: rng.pick([3, 3, 5]),
    learners: rng.int(1, 3),
    clients: rng.int(1, 3),
    commandsPerClient: rng.int(5, 25),
    appendsInFlight: rng.pick([1, 1, 2, 4]),
    ...options.shape,
  };
  const delayMinMs = rng.int(1, 3);
  const network: NetworkFaults = options.network ?? {
    dropRate: rng.pick([0, 0.02, 0.05, 0.1, 0.2]),
    duplicateRate: rng.pick([0, 0.02, 0.05, 0.1]),
    delayMinMs,
    delayMaxMs: delayMinMs + rng.int(0, 30),
    slowRate: rng.pick([0, 0.01, 0.02, 0.05]),
    slowDelayMaxMs: rng.int(50, 400),
  };
  const chaosMs = options.chaosMs ?? 1200;
  const livenessBoundMs = options.livenessBoundMs ?? 5000;
  const proposerTuning = { ...SIM_PROPOSER_OVERRIDES, ...options.proposer };
  const drawnIntensity = rng.pick([0.5, 1, 2, 3]);
  const clusterSeed = rng.nextUint32();
  const planRng = rng.fork();
  const crashRng = rng.fork();

  const cluster = new SimCluster({
    seed: clusterSeed,
    ...shape,
    clientStartSpreadMs: Math.floor(chaosMs / 2),
    clientInflightMax: shape.appendsInFlight,
    network,
    proposer: proposerTuning,
    bug: options.bug,
    trace: options.trace ?? false,
  });
  const faultable: NodeId[] = [...cluster.proposerIds, ...cluster.acceptorIds, ...cluster.learnerIds];
  const plan = options.plan ?? randomFaultPlan(planRng, faultable.length, chaosMs, options.faultIntensity ?? drawnIntensity);
  const nodeAt = (position: number): NodeId => faultable[((position % faultable.length) + faultable.length) % faultable.length]!;
  const description = [
    `seed ${seed}${options.bug ? ` with a deliberate bug (${options.bug})` : ''}`,
    `shape: ${shape.proposers} proposers, ${shape.acceptors} acceptors, ${shape.learners} learners, ` +
      `${shape.clients} clients x ${shape.commandsPerClient} commands, ${shape.appendsInFlight} in flight each`,
    `network during chaos: drop ${network.dropRate}, duplicate ${network.duplicateRate}, ` +
      `delay ${network.delayMinMs}..${network.delayMaxMs} ms` +
      ((network.slowRate ?? 0) > 0 ? ` (+ up to ${network.slowDelayMaxMs ?? 0} ms for ${network.slowRate} of them)` : '') +
      `; chaos ${chaosMs} ms, liveness bound ${livenessBoundMs} ms`,
    `faults: ${plan.length === 0 ? 'none' : plan.map((action) => formatFault(action, (p) => cluster.nameOf(nodeAt(p)))).join(', ')}`,
  ].join('\n');
  for (const line of description.split('\n')) cluster.trace.line(0, `# ${line}`);

  for (const action of plan) {
    if (action.atMs >= chaosMs) continue;
    cluster.at(action.atMs, () => {
      switch (action.kind) {
        case 'partition':
          cluster.partition([[...new Set(action.side.map(nodeAt))]]);
          break;
        case 'heal':
          cluster.heal();
          break;
        case 'crash':
          // Half the crashes of acceptors and learners fall between a write and its sync.
          if (crashRng.chance(0.5)) cluster.crashBeforeSync(nodeAt(action.node), CRASH_BEFORE_SYNC_WITHIN_MS);
          else cluster.crash(nodeAt(action.node));
          break;
        case 'restart':
          cluster.restart(nodeAt(action.node));
          break;
      }
    });
  }
  cluster.at(chaosMs, () => {
    cluster.trace.line(cluster.nowMs, '# chaos over: healing everything');
    cluster.setNetwork({ dropRate: 0, duplicateRate: 0, delayMinMs: network.delayMinMs, delayMaxMs: network.delayMaxMs });
    // Messages already in flight (some of them slow and stale) still arrive after the heal.
    cluster.heal();
    for (const id of faultable) cluster.restart(id);
  });

  let violation: RunViolation | null = null;
  try {
    cluster.runUntil(chaosMs);
    cluster.runUntil(chaosMs + livenessBoundMs, () => cluster.complete());
    if (!cluster.complete()) throw new SimViolation('liveness', livenessReport(cluster, chaosMs, livenessBoundMs));
    cluster.runFor(MEMORY_SETTLE_MS);
    const bound = proposerTuning.windowSlotsMax ?? 64;
    for (const id of cluster.acceptorIds) {
      const acceptor = cluster.acceptor(id);
      if (acceptor.logSize > bound) {
        throw new SimViolation(
          'bounded-memory',
          `${cluster.nameOf(id)} still holds ${acceptor.logSize} slots (first ${acceptor.firstSlot}) ` +
            `${MEMORY_SETTLE_MS} ms after every learner delivered everything; bound ${bound}`,
        );
      }
    }
  } catch (error) {
    if (!(error instanceof SimViolation)) throw error;
    violation = { rule: error.rule, message: error.description, atMs: cluster.nowMs };
    if (error.rule === 'liveness' || error.rule === 'bounded-memory') cluster.trace.line(cluster.nowMs, `VIOLATION ${error.description}`);
  }

  return {
    seed,
    ok: violation === null,
    violation,
    hash: cluster.trace.hash,
    stats: { ...cluster.stats },
    simulatedMs: cluster.nowMs,
    commandsDelivered: cluster.invariants.canonical.length,
    slotsChosen: cluster.invariants.chosen.size,
    shape,
    network,
    plan,
    description,
    trace: cluster.trace.lines,
  };
}

function livenessReport(cluster: SimCluster, chaosMs: number, boundMs: number): string {
  const clients = cluster.clientIds
    .map((id) => {
      const client = cluster.client(id);
      return `${cluster.nameOf(id)} acked ${client.acked}/${cluster.options.commandsPerClient ?? 0}`;
    })
    .join(', ');
  const learners = cluster.learnerIds.map((id) => `${cluster.nameOf(id)} delivered ${cluster.invariants.delivered(id)}`).join(', ');
  const leaders = cluster.leaders().map((proposer) => cluster.nameOf(proposer.id));
  return (
    `no completion within ${boundMs} ms after healing at ${chaosMs} ms: ${clients}; ${learners}; ` +
    `leaders: ${leaders.length === 0 ? 'none' : leaders.join(', ')}`
  );
}

export interface SeedsSummary {
  readonly firstSeed: number;
  readonly lastSeed: number;
  readonly runs: number;
  readonly failures: RunResult[];
  readonly events: number;
  readonly commandsDelivered: number;
}

/** Run seeds firstSeed .. firstSeed + count - 1; stops at the first failure if stopAtFirst. */
export function runSeeds(firstSeed: number, count: number, options: RunOptions = {}, stopAtFirst = true): SeedsSummary {
  const failures: RunResult[] = [];
  let events = 0;
  let commandsDelivered = 0;
  let runs = 0;
  for (let seed = firstSeed; seed < firstSeed + count; seed++) {
    const result = runSeed(seed, options);
    runs++;
    events += result.stats.events;
    commandsDelivered += result.commandsDelivered;
    if (!result.ok) {
      failures.push(result);
      if (stopAtFirst) break;
    }
  }
  return { firstSeed, lastSeed: firstSeed + runs - 1, runs, failures, events, commandsDelivered };
}
