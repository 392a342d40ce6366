// Named scenarios: scripted interleavings (manual network: the script decides which message
// arrives when) and targeted timed runs. Each returns an outcome object that a test asserts.
// Invariants stay on throughout, so a scenario that breaks safety throws a SimViolation.

import { MessageType, decodeValue, formatBallot } from '../paxos/index.js';
import type { ProposerRole } from '../paxos/index.js';
import type { AcceptedEntry, AcceptMessage, Ballot, Command, NackMessage, NodeId, Value } from '../paxos/index.js';
import type { DeliberateBug } from './broken.js';
import { SimCluster } from './cluster.js';
import type { HeldMessage } from './cluster.js';
import { runSeed } from './scheduler.js';
import type { RunResult } from './scheduler.js';
import { formatValue } from './trace.js';

/** Timers that never fire during a scripted (manual-network) scenario. */
export const FROZEN_TIMERS = Object.freeze({
  heartbeatIntervalMs: 1e9 - 1,
  electionTimeoutMs: 1e9,
  retransmitMs: 1e9,
  backoffBaseMs: 1,
  backoffMaxMs: 1,
});

export function command(clientId: number, seq: number, text: string): Command {
  return { clientId, seq, data: new TextEncoder().encode(text) };
}

function matches(type: number, from?: NodeId, to?: NodeId): (held: HeldMessage) => boolean {
  return (held) => held.msg.type === type && (from === undefined || held.from === from) && (to === undefined || held.to === to);
}

/** Deliver all held messages of these types (repeatedly, including those they cause). */
function settle(cluster: SimCluster, types: readonly number[]): void {
  cluster.deliverAll((held) => types.includes(held.msg.type));
}

/** Campaign and run phase 1 to completion with every acceptor; heartbeats are discarded. */
function elect(cluster: SimCluster, proposer: NodeId): void {
  cluster.campaign(proposer);
  settle(cluster, [MessageType.Prepare, MessageType.Promise]);
  cluster.drop(matches(MessageType.Heartbeat));
}

function decodedValue(value: Value): string {
  return formatValue(value);
}

// ---- 1. The two-proposer walkthrough of the seed document ----------------------------------

export interface TwoProposerOutcome {
  readonly ballotP1: Ballot;
  readonly ballotP2: Ballot;
  /** What A1 reported to P2 in its Promise for slot 0. */
  readonly promiseFromA1: string;
  /** The value P2 put in its Accept for slot 0: must be v1. */
  readonly p2ValueForSlot0: string;
  /** A2 refused P1's Accept, naming P2's ballot. */
  readonly a2RefusedP1With: Ballot | null;
  /** Chosen value of slot 0 (per the checker). */
  readonly chosenSlot0: string;
  /** Per learner, the commands delivered, as c<client>#<seq>. */
  readonly delivered: readonly string[][];
}

/**
 * Proposer 1 prepares p1 at all three acceptors and gets its Accept(p1, v1) to acceptor 1 only.
 * Proposer 2 then prepares p2 > p1 at acceptors 1 and 2. Proposer 1's Accept reaches acceptor 2
 * (refused: it promised p2) and acceptor 3 (accepted): v1 is chosen. Proposer 2 heard v1 from
 * acceptor 1's Promise, so it must propose v1, not its own v2.
 */
export function twoProposerWalkthrough(): TwoProposerOutcome {
  const cluster = new SimCluster({ seed: 3, proposers: 2, acceptors: 3, learners: 3, manualNetwork: true, proposer: FROZEN_TIMERS });
  const [p1, p2] = cluster.proposerIds as [NodeId, NodeId];
  const [a1, a2, a3] = cluster.acceptorIds as [NodeId, NodeId, NodeId];
  const v1 = command(101, 1, 'v1');
  const v2 = command(102, 1, 'v2');

  elect(cluster, p1); // steps 1-2: everyone promises p1, nothing accepted yet
  cluster.propose(p1, v1);
  cluster.deliver(matches(MessageType.Accept, p1, a1)); // step 3: only acceptor 1 accepts (p1, v1)

  cluster.campaign(p2); // step 4: p2 reaches acceptors 1 and 2
  cluster.drop(matches(MessageType.Prepare, p2, a3));
  cluster.deliver(matches(MessageType.Prepare, p2));
  const promiseFromA1 = cluster.held.find((held) => held.msg.type === MessageType.Promise && held.from === a1);
  cluster.deliver(matches(MessageType.Promise, undefined, p2)); // step 5/7: p2 leads, having heard v1
  cluster.drop(matches(MessageType.Heartbeat));
  cluster.propose(p2, v2);
  const p2Accept = cluster.held.find(
    (held) => held.msg.type === MessageType.Accept && held.from === p2 && (held.msg as AcceptMessage).slot === 0,
  );

  cluster.deliver(matches(MessageType.Accept, p1, a2)); // step 6: refused
  const nack = cluster.held.find((held) => held.msg.type === MessageType.Nack && held.from === a2);
  cluster.deliver(matches(MessageType.Accept, p1, a3)); // step 6: accepted, v1 chosen
  settle(cluster, [MessageType.Accept, MessageType.Accepted, MessageType.Nack, MessageType.ClientReply]); // step 8

  return {
    ballotP1: cluster.proposer(p1).ballot,
    ballotP2: cluster.proposer(p2).ballot,
    promiseFromA1:
      promiseFromA1 && promiseFromA1.msg.type === MessageType.Promise
        ? promiseFromA1.msg.entries.map((entry) => `${entry.slot}:${formatBallot(entry.ballot)}=${decodedValue(entry.value)}`).join(' ')
        : '(none)',
    p2ValueForSlot0: p2Accept ? decodedValue((p2Accept.msg as AcceptMessage).value) : '(none)',
    a2RefusedP1With: nack ? (nack.msg as NackMessage).promised : null,
    chosenSlot0: chosenText(cluster, 0),
    delivered: cluster.learnerIds.map((id) => deliveredBy(cluster, id)),
  };
}

// ---- 2. Dueling proposers ------------------------------------------------------------------

export interface DuelOutcome {
  readonly backoff: boolean;
  readonly commandsDelivered: number;
  readonly campaigns: number;
  /** Simulated time of the first delivery, or -1 if nothing was delivered. */
  readonly firstDeliveryMs: number;
  readonly runMs: number;
}

/**
 * Three proposers with identical, non-random election timeouts start together, so they
 * campaign at the same moment. Without backoff, a proposer whose ballot is beaten campaigns
 * again at once, beating the winner before its Accepts land, and so on: a livelock. With
 * randomized timeouts and backoff, one of them wins and commands flow.
 */
export function duelingProposers(backoff: boolean, seed = 7, runMs = 2000, commandsPerClient = 5): DuelOutcome {
  const cluster = new SimCluster({
    seed,
    proposers: 3,
    acceptors: 3,
    learners: 1,
    clients: 2,
    commandsPerClient,
    network: { dropRate: 0, duplicateRate: 0, delayMinMs: 2, delayMaxMs: 6 },
    proposer: backoff ? {} : { randomizedTimeouts: false, backoff: false },
  });
  let firstDeliveryMs = -1;
  cluster.runUntil(runMs, () => {
    if (firstDeliveryMs < 0 && cluster.invariants.canonical.length > 0) firstDeliveryMs = cluster.nowMs;
    return false;
  });
  return {
    backoff,
    commandsDelivered: cluster.invariants.canonical.length,
    campaigns: cluster.stats.campaigns,
    firstDeliveryMs,
    runMs,
  };
}

// ---- 3. A leader fails with holes in its log --------------------------------------------------

export interface HolesOutcome {
  /** Slot -> value the new leader proposed during recovery. */
  readonly reproposed: ReadonlyMap<number, string>;
  /** Slot -> chosen value before the failure. */
  readonly chosenBefore: ReadonlyMap<number, string>;
  /** Slot -> chosen value at the end. */
  readonly chosenAfter: ReadonlyMap<number, string>;
  readonly delivered: readonly string[][];
}

/**
 * P1 proposes five single-command slots. Slots 0, 2 and 4 reach every acceptor (chosen);
 * slot 1 reaches only A1 (accepted but not chosen); slot 3 reaches nobody (a true hole). P1
 * crashes. P2 must re-propose 0, 2, 4 with their values, slot 1 with A1's value, and fill 3
 * with a no-op, and learners must then deliver every chosen command in slot order.
 */
export function leaderFailsWithHoles(): HolesOutcome {
  const cluster = new SimCluster({
    seed: 11,
    proposers: 2,
    acceptors: 3,
    learners: 2,
    manualNetwork: true,
    proposer: { ...FROZEN_TIMERS, batchCommandsMax: 1, windowSlotsMax: 8 },
  });
  const [p1, p2] = cluster.proposerIds as [NodeId, NodeId];
  const [a1] = cluster.acceptorIds as [NodeId];
  elect(cluster, p1);
  for (let seq = 1; seq <= 5; seq++) cluster.propose(p1, command(200, seq, `cmd-${seq}`));
  const slotOf = (held: HeldMessage): number => (held.msg.type === MessageType.Accept ? held.msg.slot : -1);
  cluster.drop((held) => slotOf(held) === 3);
  cluster.drop((held) => slotOf(held) === 1 && held.to !== a1);
  settle(cluster, [MessageType.Accept, MessageType.Accepted]);
  const chosenBefore = new Map<number, string>();
  for (const [slot] of cluster.invariants.chosen) chosenBefore.set(slot, chosenText(cluster, slot));

  cluster.crash(p1);
  cluster.held.length = 0;
  elect(cluster, p2);
  const reproposed = new Map<number, string>();
  for (const held of cluster.held) {
    if (held.msg.type === MessageType.Accept && held.from === p2) reproposed.set(held.msg.slot, decodedValue(held.msg.value));
  }
  settle(cluster, [MessageType.Accept, MessageType.Accepted]);
  const chosenAfter = new Map<number, string>();
  for (const [slot] of cluster.invariants.chosen) chosenAfter.set(slot, chosenText(cluster, slot));
  return { reproposed, chosenBefore, chosenAfter, delivered: cluster.learnerIds.map((id) => deliveredBy(cluster, id)) };
}

// ---- 4. A minority partition must not decide ------------------------------------------------

export interface MinorityOutcome {
  readonly oldLeader: string;
  readonly newLeader: string | null;
  /** Slots chosen while partitioned whose value holds the minority side's command. */
  readonly minorityCommandChosen: boolean;
  readonly majorityCommandChosen: boolean;
  /** Whether the old leader still believed it led while cut off. */
  readonly oldLeaderStillBelievedItLed: boolean;
  readonly oldLeaderLeadsAfterHeal: boolean;
  readonly deliveredAfterHeal: readonly string[][];
}

/**
 * Five acceptors. Once a leader is up, it is cut off together with two acceptors (a minority).
 * A command given to it must not be chosen; the majority side elects another leader, which
 * decides a command of its own. After healing, the old leader steps down.
 */
export function minorityPartition(seed = 21): MinorityOutcome {
  const cluster = new SimCluster({ seed, proposers: 2, acceptors: 5, learners: 2, network: { dropRate: 0, duplicateRate: 0, delayMinMs: 1, delayMaxMs: 5 } });
  cluster.runUntil(1000, () => cluster.leaders().length === 1);
  const old = cluster.leaders()[0];
  if (old === undefined) throw new Error('no leader emerged');
  const [a1, a2] = cluster.acceptorIds as [NodeId, NodeId];
  cluster.partition([[old.id, a1, a2]]);
  const minorityCommand = command(301, 1, 'minority');
  cluster.propose(old.id, minorityCommand);
  cluster.runFor(600);
  const oldLeaderStillBelievedItLed = cluster.runningProposer(old.id)?.isLeader ?? false;
  const other = cluster.leaders().find((proposer) => proposer.id !== old.id) ?? null;
  const majorityCommand = command(302, 1, 'majority');
  if (other !== null) cluster.propose(other.id, majorityCommand);
  cluster.runFor(300);
  const minorityCommandChosen = chosenContains(cluster, minorityCommand);
  const majorityCommandChosen = chosenContains(cluster, majorityCommand);
  cluster.heal();
  cluster.runFor(500);
  return {
    oldLeader: cluster.nameOf(old.id),
    newLeader: other === null ? null : cluster.nameOf(other.id),
    minorityCommandChosen,
    majorityCommandChosen,
    oldLeaderStillBelievedItLed,
    oldLeaderLeadsAfterHeal: cluster.runningProposer(old.id)?.isLeader ?? false,
    deliveredAfterHeal: cluster.learnerIds.map((id) => deliveredBy(cluster, id)),
  };
}

// ---- 5. A stale leader's Accepts are refused ------------------------------------------------

export interface StaleLeaderOutcome {
  readonly staleBallot: Ballot;
  readonly newBallot: Ballot;
  /** What each acceptor answered the stale leader's Accept with (the promise named in its Nack). */
  readonly refusals: readonly Ballot[];
  readonly staleValueAccepted: boolean;
  readonly staleLeaderRole: ProposerRole;
}

/**
 * P1 leads with ballot b1. P2, which P1 never hears from, takes over with b2 > b1. P1 still
 * believes it leads and sends an Accept: every acceptor must refuse it, naming b2, and P1 must
 * step down on the refusal.
 */
export function staleLeader(): StaleLeaderOutcome {
  const cluster = new SimCluster({ seed: 5, proposers: 2, acceptors: 3, learners: 1, manualNetwork: true, proposer: FROZEN_TIMERS });
  const [p1, p2] = cluster.proposerIds as [NodeId, NodeId];
  elect(cluster, p1);
  elect(cluster, p2);
  cluster.drop((held) => held.to === p1 && held.from === p2);
  cluster.propose(p1, command(401, 1, 'stale'));
  cluster.deliver(matches(MessageType.Accept, p1));
  const refusals = cluster.held
    .filter((held) => held.msg.type === MessageType.Nack && held.to === p1)
    .map((held) => (held.msg as NackMessage).promised);
  cluster.deliver((held) => held.to === p1);
  let staleValueAccepted = false;
  for (const id of cluster.acceptorIds) if (cluster.acceptor(id).acceptedAt(0) !== undefined) staleValueAccepted = true;
  return {
    staleBallot: cluster.proposer(p1).ballot,
    newBallot: cluster.proposer(p2).ballot,
    refusals,
    staleValueAccepted,
    staleLeaderRole: cluster.proposer(p1).role,
  };
}

// ---- 6. An acceptor crashes and restarts from persisted state --------------------------------

export interface AcceptorRestartOutcome {
  readonly promisedBeforeCrash: Ballot;
  readonly promisedAfterRestart: Ballot;
  readonly acceptedBeforeCrash: AcceptedEntry | undefined;
  readonly acceptedAfterRestart: AcceptedEntry | undefined;
  /** After the restart, the stale leader's Accept at the old ballot reached the acceptor: refused? */
  readonly staleAcceptRefused: boolean;
  /** The value the next leader recovered for slot 0 through the restarted acceptor's Promise. */
  readonly recoveredSlot0: string;
}

/**
 * A1 accepts (b1, v) for slot 0, then promises b2 to P2, crashes and restarts from storage. It
 * must still hold its promise (refusing P1's late Accept at b1) and the accepted value (reporting
 * it in its next Promise). With `bug`, the same script shows what a broken one does.
 */
export function acceptorRestart(bug?: DeliberateBug): AcceptorRestartOutcome {
  const cluster = new SimCluster({
    seed: 9,
    proposers: 3,
    acceptors: 3,
    learners: 1,
    manualNetwork: true,
    proposer: FROZEN_TIMERS,
    bug,
  });
  const [p1, p2, p3] = cluster.proposerIds as [NodeId, NodeId, NodeId];
  const [a1, , a3] = cluster.acceptorIds as [NodeId, NodeId, NodeId];
  elect(cluster, p1);
  cluster.propose(p1, command(501, 1, 'kept'));
  cluster.propose(p1, command(501, 2, 'late'));
  // Slot 0 reaches A1 only; P1's Accept for slot 1 to A1 is held back (it will arrive late).
  cluster.deliver((held) => held.msg.type === MessageType.Accept && held.msg.slot === 0 && held.to === a1);
  const late = cluster.held.filter((held) => held.msg.type === MessageType.Accept && held.msg.slot === 1 && held.to === a1);
  cluster.drop((held) => held.from === p1 || held.to === p1 || held.msg.type === MessageType.Accepted);
  // P2 prepares at A1 only (its Promise is lost): A1 now promises b2.
  cluster.campaign(p2);
  cluster.deliver(matches(MessageType.Prepare, p2, a1));
  cluster.held.length = 0;
  const promisedBeforeCrash = cluster.acceptor(a1).promisedBallot;
  const acceptedBeforeCrash = cluster.acceptor(a1).acceptedAt(0);

  cluster.crash(a1);
  cluster.restart(a1);
  const restarted = cluster.acceptor(a1);
  const promisedAfterRestart = restarted.promisedBallot;
  const acceptedAfterRestart = restarted.acceptedAt(0);
  for (const held of late) cluster.held.push(held);
  cluster.deliver((held) => held.to === a1 && held.from === p1);
  const staleAcceptRefused = cluster.held.some((held) => held.msg.type === MessageType.Nack && held.from === a1);
  cluster.held.length = 0;

  // P3 prepares at A1 and A2 (A3 is unreachable) and must recover slot 0's value from A1.
  cluster.campaign(p3);
  cluster.drop(matches(MessageType.Prepare, p3, a3));
  cluster.deliver(matches(MessageType.Prepare, p3));
  cluster.deliver(matches(MessageType.Promise, undefined, p3));
  const recovery = cluster.held.find(
    (held) => held.msg.type === MessageType.Accept && held.from === p3 && held.msg.slot === 0,
  );
  return {
    promisedBeforeCrash,
    promisedAfterRestart,
    acceptedBeforeCrash,
    acceptedAfterRestart,
    staleAcceptRefused,
    recoveredSlot0: recovery ? decodedValue((recovery.msg as AcceptMessage).value) : '(none)',
  };
}

// ---- 7. Duplicated and reordered messages --------------------------------------------------

/**
 * No crashes or partitions, but a third of all messages arrive twice and delays range from
 * 1 to 60 ms (plus rare 300 ms stragglers), so almost everything is reordered. Every command
 * must still be delivered exactly once, in one order, everywhere.
 */
export function duplicatesAndReordering(seed = 17): RunResult {
  return runSeed(seed, {
    network: { dropRate: 0.05, duplicateRate: 0.33, delayMinMs: 1, delayMaxMs: 60, slowRate: 0.02, slowDelayMaxMs: 300 },
    plan: [],
    shape: { proposers: 3, acceptors: 5, learners: 3, clients: 3, commandsPerClient: 20 },
  });
}

// ---- 8. A learner that was down catches up -------------------------------------------------

export interface LearnerCatchUpOutcome {
  readonly deliveredBeforeCrash: number;
  readonly deliveredByOthersWhileDown: number;
  readonly deliveredAfterRestart: number;
  readonly sameSequence: boolean;
}

/** L1 crashes mid-run, misses commands, restarts from its durable cursor and catches up. */
export function learnerCatchUp(seed = 23): LearnerCatchUpOutcome {
  const cluster = new SimCluster({
    seed,
    proposers: 2,
    acceptors: 3,
    learners: 2,
    clients: 2,
    commandsPerClient: 30,
    network: { dropRate: 0, duplicateRate: 0, delayMinMs: 1, delayMaxMs: 5 },
  });
  const [l1, l2] = cluster.learnerIds as [NodeId, NodeId];
  cluster.runUntil(400);
  const deliveredBeforeCrash = cluster.invariants.delivered(l1);
  cluster.crash(l1);
  cluster.runFor(600);
  const deliveredByOthersWhileDown = cluster.invariants.delivered(l2);
  cluster.restart(l1);
  cluster.runFor(3000, () => cluster.complete());
  const a = deliveredBy(cluster, l1);
  const b = deliveredBy(cluster, l2);
  return {
    deliveredBeforeCrash,
    deliveredByOthersWhileDown,
    deliveredAfterRestart: cluster.invariants.delivered(l1),
    sameSequence: a.length === b.length && a.every((key, i) => key === b[i]),
  };
}

// ---- helpers ---------------------------------------------------------------------------------

function chosenText(cluster: SimCluster, slot: number): string {
  const chosen = cluster.invariants.chosen.get(slot);
  return chosen === undefined ? '(not chosen)' : decodedValue(chosen.value);
}

function chosenContains(cluster: SimCluster, wanted: Command): boolean {
  for (const chosen of cluster.invariants.chosen.values()) {
    if (decodeValue(chosen.value).some((c) => c.clientId === wanted.clientId && c.seq === wanted.seq)) return true;
  }
  return false;
}

function deliveredBy(cluster: SimCluster, learner: NodeId): string[] {
  const count = cluster.invariants.delivered(learner);
  return cluster.invariants.canonical.slice(0, count).map((key) => `c${Math.floor(key / 1048576)}#${key % 1048576}`);
}
