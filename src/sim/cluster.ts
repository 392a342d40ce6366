// A whole Multi-Paxos cluster in one thread: proposers, acceptors, learners and clients,
// driven by one event queue and one seeded RNG. Every message goes through the Network
// (loss, duplication, delay, partitions) or, in manual mode, waits in `held` until a test
// delivers it. Every role is the runtime's own node (src/roles; the clients are SimClients over
// the runtime's client cores), hosted here with the runtime's cadence (role-node.ts): a message
// or a tick steps a node at once (an acceptor or learner persists at once), and the end of its
// turn (sync, then the replies; a leader's slots for what the turn queued) is an event of its own
// a moment later, as a worker's batch ends, so a crash can fall between a write and its sync. The
// host never asks what kind a node is: it steps, ticks and ends turns, and hears of elections and
// deliveries from the nodes' hooks. Crashes drop a role's object and keep what the store may keep
// (SimRecordStore); acceptors and learners restart by replaying their records, proposers from
// nothing. Invariants are checked as events happen.

import { AcceptorNode, LearnerNode, ProposerNode, type ProposerSoftState, type RoleNode } from '../roles/index.js';
import { AckBatcher } from '../protocol/ack-batcher.js';
import { LearnerReads } from '../protocol/learner-reads.js';
import { logLimits } from '../protocol/limits.js';
import { createDeliveredCounts, readDeliveredCounts } from '../protocol/read-barrier.js';
import { ProposerRole, formatBallot } from '../paxos/index.js';
import type { Acceptor, Command, Delivery, Learner, LearnerConfig, Message, NodeId, Proposer, ProposerConfig } from '../paxos/index.js';
import { acceptorBuilder, acceptorStorage, appendCoreFactory, followReadFactory, learnerLog, readBarrier } from './broken.js';
import type { DeliberateBug } from './broken.js';
import { SimClient } from './client.js';
import type { ClientCallbacks } from './client.js';
import { EventQueue } from './event-queue.js';
import { Invariants, SimViolation } from './invariants.js';
import { CALM_NETWORK, Network } from './network.js';
import type { NetworkFaults } from './network.js';
import { Rng } from './rng.js';
import { SimRecordStore } from './sim-record-store.js';
import { Trace, commandLabel, formatMessage } from './trace.js';

export type NodeKind = 'proposer' | 'acceptor' | 'learner' | 'client';

export type ProposerOverrides = Partial<Omit<ProposerConfig, 'id' | 'proposers' | 'acceptors' | 'learners' | 'random'>>;
export type LearnerOverrides = Partial<Omit<LearnerConfig, 'id' | 'acceptors' | 'proposers'>>;

export interface SimClusterOptions {
  readonly seed: number;
  readonly proposers: number;
  readonly acceptors: number;
  readonly learners: number;
  readonly clients?: number;
  readonly commandsPerClient?: number;
  /** Clients start at a random time in [0, clientStartSpreadMs]. Default 0. */
  readonly clientStartSpreadMs?: number;
  /** Default 150. */
  readonly clientRetryMs?: number;
  /** Appends each client keeps in flight at once. Default 1. */
  readonly clientInflightMax?: number;
  /** Period of proposer/learner/client ticks. Default 5. */
  readonly tickMs?: number;
  readonly network?: NetworkFaults;
  readonly proposer?: ProposerOverrides;
  readonly learner?: LearnerOverrides;
  /** Plant a deliberate bug (broken.ts), to prove the checker catches it. */
  readonly bug?: DeliberateBug;
  readonly trace?: boolean;
  /** Hold every message in `held` until the test delivers or drops it. */
  readonly manualNetwork?: boolean;
}

/** Timings that suit a simulated network with delays of a few to a few tens of ms. */
export const SIM_PROPOSER_OVERRIDES: ProposerOverrides = Object.freeze({
  heartbeatIntervalMs: 20,
  electionTimeoutMs: 100,
  backoffBaseMs: 20,
  backoffMaxMs: 400,
  retransmitMs: 40,
  windowSlotsMax: 4,
  batchCommandsMax: 3,
  // What the seeds were measured with (the core's default is the log's 65,536 now): a seed replays as it did.
  pendingCommandsMax: 4096,
});

export const SIM_LEARNER_TUNING: LearnerOverrides = Object.freeze({
  catchUpIntervalMs: 40,
  progressIntervalMs: 40,
  catchUpSlotsMax: 16,
  pendingSlotsMax: 256,
});

export interface SimNode {
  readonly id: NodeId;
  readonly kind: NodeKind;
  /** P1, A1, L1, C1, ... */
  readonly name: string;
  /** Position among nodes of its kind (0-based). */
  readonly index: number;
  up: boolean;
  incarnation: number;
  /** The running role; null while down. */
  role: RoleNode | null;
  /** Builds the role at start and at each restart (from what its store kept). */
  readonly build: (restart: boolean) => RoleNode;
  /** False for clients: the workload they carry is what the checker counts, so they never crash. */
  readonly crashes: boolean;
  /** An acceptor's or learner's records: what outlives its crashes. */
  store: SimRecordStore | null;
  /** An end-of-turn event is scheduled for this incarnation. */
  turnEndPending: boolean;
  /** Crash at the next end of turn that finds unsynced writes (see crashBeforeSync). */
  crashArmed: boolean;
  readonly rng: Rng;
}

export interface HeldMessage {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly msg: Message;
}

export interface SimClusterStats {
  events: number;
  messagesSent: number;
  messagesDropped: number;
  messagesDuplicated: number;
  messagesLost: number;
  crashes: number;
  /** Crashes of an acceptor or learner with writes not yet synced. */
  unsyncedCrashes: number;
  /** Of those, crashes that left a record half written (cut off when the role reopened its store). */
  tornTails: number;
  /**
   * Restarts of a learner whose log came back shorter than what it had published: acknowledged
   * entries a crash cut from its unsynced tail (learner-node.ts), which it must learn again.
   */
  learnerRestartsBehind: number;
  /** Compactions of acceptors' stores (atomic rewrites). */
  storeRewrites: number;
  /** Reads of an index whose append had resolved, answered and checked (read-your-writes). */
  readsChecked: number;
  /** Entries handed to following readers, each checked against what was delivered at its index. */
  entriesFollowed: number;
  partitions: number;
  campaigns: number;
  leaderships: number;
}

const EVENT_DELIVER = 0;
const EVENT_TICK = 1;
const EVENT_ACTION = 2;
const EVENT_END_TURN = 3;
/** A node's turn ends this many ms after the message or tick that began it, at most (a worker's batch). */
const TURN_LENGTH_MS_MAX = 1;
/** The runtime's byte limits at its default ring, for the learners' read pages. */
const SIM_LOG_LIMITS = logLimits(1 << 20);
/** Acknowledgement ranges per ClientReplyBatch (the runtime's bound is larger; smaller here splits batches in the simulation too). */
const ACK_RANGES_PER_MESSAGE_MAX = 2;

/** How the nodes of one kind are made: the one place the simulator tells kinds apart. */
interface NodeKindSpec {
  readonly kind: NodeKind;
  readonly count: number;
  /** Names are prefix + 1, 2, ... */
  readonly prefix: string;
  readonly ids: NodeId[];
  /** Keeps records in a SimRecordStore that outlives its crashes. */
  readonly durable: boolean;
  readonly crashes: boolean;
  readonly build: (node: SimNode, restart: boolean) => RoleNode;
}

interface SimEvent {
  readonly atMs: number;
  readonly seq: number;
  readonly kind: number;
  readonly node: NodeId;
  readonly from: NodeId;
  readonly msg: Message | null;
  readonly incarnation: number;
  readonly action: (() => void) | null;
}

export class SimCluster {
  readonly options: SimClusterOptions;
  readonly nodes: SimNode[] = [];
  readonly proposerIds: NodeId[] = [];
  readonly acceptorIds: NodeId[] = [];
  readonly learnerIds: NodeId[] = [];
  readonly clientIds: NodeId[] = [];
  private readonly clientIdSet = new Set<NodeId>();
  readonly invariants: Invariants;
  readonly trace: Trace;
  readonly network: Network;
  readonly held: HeldMessage[] = [];
  readonly stats: SimClusterStats = {
    events: 0,
    messagesSent: 0,
    messagesDropped: 0,
    messagesDuplicated: 0,
    messagesLost: 0,
    crashes: 0,
    unsyncedCrashes: 0,
    tornTails: 0,
    learnerRestartsBehind: 0,
    storeRewrites: 0,
    readsChecked: 0,
    entriesFollowed: 0,
    partitions: 0,
    campaigns: 0,
    leaderships: 0,
  };
  private nowValue = 0;
  private seq = 0;
  private readonly queue = new EventQueue<SimEvent>();
  /** The learners' delivered counts (the read barrier's shared memory: it outlives their crashes). */
  private readonly deliveredCounts: SharedArrayBuffer;
  private readonly rng: Rng;
  private readonly tickMs: number;
  private readonly proposerOverrides: ProposerOverrides;
  private readonly learnerTuning: LearnerOverrides;

  constructor(options: SimClusterOptions) {
    this.options = options;
    this.rng = new Rng(options.seed);
    this.tickMs = options.tickMs ?? 5;
    this.proposerOverrides = { ...SIM_PROPOSER_OVERRIDES, ...options.proposer };
    this.learnerTuning = { ...SIM_LEARNER_TUNING, ...options.learner };
    this.trace = new Trace(options.trace ?? false);
    this.network = new Network(options.network ?? CALM_NETWORK, this.rng.fork());
    this.invariants = new Invariants(options.acceptors);
    this.deliveredCounts = createDeliveredCounts(Math.max(1, options.learners));

    let nextId = 1;
    const add = ({ kind, count, prefix, ids, durable, crashes, build }: NodeKindSpec): void => {
      for (let index = 0; index < count; index++) {
        const id = nextId++;
        ids.push(id);
        const node: SimNode = {
          id,
          kind,
          name: `${prefix}${index + 1}`,
          index,
          up: true,
          incarnation: 0,
          role: null,
          build: (restart) => build(node, restart),
          crashes,
          store: durable ? new SimRecordStore(undefined, () => this.stats.storeRewrites++) : null,
          turnEndPending: false,
          crashArmed: false,
          rng: this.rng.fork(),
        };
        this.nodes[id] = node;
      }
    };
    add({ kind: 'proposer', count: options.proposers, prefix: 'P', ids: this.proposerIds, durable: false, crashes: true, build: (node) => this.buildProposer(node) });
    add({ kind: 'acceptor', count: options.acceptors, prefix: 'A', ids: this.acceptorIds, durable: true, crashes: true, build: (node, restart) => this.buildAcceptor(node, restart) });
    add({ kind: 'learner', count: options.learners, prefix: 'L', ids: this.learnerIds, durable: true, crashes: true, build: (node, restart) => this.buildLearner(node, restart) });
    add({ kind: 'client', count: options.clients ?? 0, prefix: 'C', ids: this.clientIds, durable: false, crashes: false, build: (node) => this.buildClient(node) });
    for (const id of this.clientIds) this.clientIdSet.add(id);

    for (const node of this.nodes) if (node !== undefined) this.start(node, false);
  }

  get nowMs(): number {
    return this.nowValue;
  }

  node(idOrName: NodeId | string): SimNode {
    const node =
      typeof idOrName === 'number' ? this.nodes[idOrName] : this.nodes.find((candidate) => candidate?.name === idOrName);
    if (node === undefined) throw new RangeError(`no simulated node ${String(idOrName)}`);
    return node;
  }

  proposer(idOrName: NodeId | string): Proposer {
    return this.roleOf(idOrName, ProposerNode, 'a running proposer').proposer;
  }

  /** The proposer's core if it is up, else undefined. */
  runningProposer(idOrName: NodeId | string): Proposer | undefined {
    const role = this.node(idOrName).role;
    return role instanceof ProposerNode ? role.proposer : undefined;
  }

  acceptor(idOrName: NodeId | string): Acceptor {
    return this.roleOf(idOrName, AcceptorNode, 'a running acceptor').acceptor;
  }

  learner(idOrName: NodeId | string): Learner {
    return this.roleOf(idOrName, LearnerNode, 'a running learner').learner;
  }

  client(idOrName: NodeId | string): SimClient {
    return this.roleOf(idOrName, SimClient, 'a client');
  }

  nameOf(id: NodeId): string {
    return this.nodes[id]?.name ?? `#${id}`;
  }

  /** The proposers that currently believe they lead. */
  leaders(): Proposer[] {
    const leaders: Proposer[] = [];
    for (const id of this.proposerIds) {
      const proposer = this.runningProposer(id);
      if (proposer?.isLeader === true) leaders.push(proposer);
    }
    return leaders;
  }

  /** Every client acknowledged all its commands and every running learner delivered all of them. */
  complete(): boolean {
    let total = 0;
    for (const id of this.clientIds) {
      if (!this.client(id).done) return false;
      total += this.options.commandsPerClient ?? 0;
    }
    for (const id of this.learnerIds) {
      if (this.invariants.delivered(id) !== total) return false;
    }
    return this.invariants.canonical.length === total;
  }

  // ---- Driving time -------------------------------------------------------------------------

  /** Run an action at a simulated time (faults, checks). */
  at(atMs: number, action: () => void): void {
    this.queue.push({
      atMs: Math.max(atMs, this.nowValue),
      seq: this.seq++,
      kind: EVENT_ACTION,
      node: 0,
      from: 0,
      msg: null,
      incarnation: 0,
      action,
    });
  }

  /** Process every event up to and including `untilMs`, or until `stop` returns true. */
  runUntil(untilMs: number, stop?: () => boolean): void {
    for (;;) {
      const next = this.queue.peek();
      if (next === undefined || next.atMs > untilMs) break;
      this.queue.pop();
      this.nowValue = next.atMs;
      this.stats.events++;
      this.process(next);
      if (stop !== undefined && stop()) return;
    }
    if (untilMs > this.nowValue) this.nowValue = untilMs;
  }

  runFor(durationMs: number, stop?: () => boolean): void {
    this.runUntil(this.nowValue + durationMs, stop);
  }

  // ---- Faults -------------------------------------------------------------------------------

  crash(id: NodeId): void {
    const node = this.node(id);
    if (!node.up || !node.crashes) return;
    node.up = false;
    node.incarnation++;
    this.stats.crashes++;
    node.role = null;
    node.turnEndPending = false;
    node.crashArmed = false;
    let kept = '';
    if (node.store !== null) {
      const after = node.store.crash(node.rng);
      node.store = after.store;
      if (after.crash.unsyncedBytes > 0) {
        this.stats.unsyncedCrashes++;
        if (after.store.tornAtOpen) this.stats.tornTails++;
        kept = ` (kept ${after.crash.keptUnsyncedBytes} of ${after.crash.unsyncedBytes} unsynced bytes${after.store.tornAtOpen ? ', a torn tail' : ''})`;
      }
    }
    this.trace.mix(this.nowValue, 0xc0, id, 0);
    this.trace.line(this.nowValue, `${node.name} CRASH${kept}`);
  }

  /**
   * Crashes an acceptor or learner between a write and its sync: at its next end of turn that finds
   * writes not yet synced, or after `withinMs` at the latest (other roles crash at once). A
   * restart() before then calls it off.
   */
  crashBeforeSync(id: NodeId, withinMs: number): void {
    const node = this.node(id);
    if (!node.up) return;
    if (node.store === null) {
      this.crash(id);
      return;
    }
    node.crashArmed = true;
    const incarnation = node.incarnation;
    this.at(this.nowValue + withinMs, () => {
      if (node.crashArmed && node.incarnation === incarnation) this.crash(id);
    });
  }

  restart(id: NodeId): void {
    const node = this.node(id);
    node.crashArmed = false;
    if (node.up) return;
    node.up = true;
    this.trace.mix(this.nowValue, 0xc1, id, 0);
    this.trace.line(this.nowValue, `${node.name} RESTART`);
    this.start(node, true);
  }

  partition(groups: ReadonlyArray<readonly NodeId[]>): void {
    this.network.partition(groups);
    this.stats.partitions++;
    this.trace.mix(this.nowValue, 0xd0, groups.length, groups[0]?.length ?? 0);
    this.trace.line(
      this.nowValue,
      `PARTITION ${groups.map((group) => `{${group.map((id) => this.nameOf(id)).join(' ')}}`).join(' | ')} | {rest}`,
    );
  }

  heal(): void {
    this.network.heal();
    this.trace.mix(this.nowValue, 0xd1, 0, 0);
    this.trace.line(this.nowValue, 'HEAL partition');
  }

  setNetwork(faults: NetworkFaults): void {
    this.network.settings = faults;
    this.trace.line(
      this.nowValue,
      `NETWORK drop=${faults.dropRate.toFixed(3)} dup=${faults.duplicateRate.toFixed(3)} delay=${faults.delayMinMs}..${faults.delayMaxMs}ms`,
    );
  }

  // ---- Direct control for scripted scenarios ------------------------------------------------

  /** Make a proposer start phase 1 now. */
  campaign(id: NodeId | string): void {
    this.roleOf(id, ProposerNode, 'a running proposer').campaign(this.nowValue);
  }

  /** Hand a command to a proposer as if a client had sent it locally. */
  propose(id: NodeId | string, command: Command): boolean {
    const node = this.roleOf(id, ProposerNode, 'a running proposer');
    this.invariants.onSubmitted(command);
    return node.propose(command, this.nowValue);
  }

  /** Manual network: deliver (in order) every held message that matches, now. Returns how many. */
  deliver(match: (held: HeldMessage) => boolean): number {
    const batch: HeldMessage[] = [];
    for (let i = 0; i < this.held.length; ) {
      const held = this.held[i]!;
      if (match(held)) {
        batch.push(held);
        this.held.splice(i, 1);
      } else i++;
    }
    for (const held of batch) this.arrive(held.from, held.to, held.msg);
    return batch.length;
  }

  /** Manual network: deliver held messages until none is left (each delivery may add more). */
  deliverAll(match: (held: HeldMessage) => boolean = () => true, roundsMax = 1000): void {
    for (let round = 0; round < roundsMax; round++) if (this.deliver(match) === 0) return;
    throw new Error(`deliverAll did not settle within ${roundsMax} rounds`);
  }

  /** Manual network: discard every held message that matches. */
  drop(match: (held: HeldMessage) => boolean): number {
    let dropped = 0;
    for (let i = 0; i < this.held.length; ) {
      if (match(this.held[i]!)) {
        this.held.splice(i, 1);
        dropped++;
      } else i++;
    }
    return dropped;
  }

  // ---- Internals ----------------------------------------------------------------------------

  /** Builds the node's role from what its store kept (restart) or from nothing, and clocks it. */
  private start(node: SimNode, restart: boolean): void {
    const role = node.build(restart);
    node.role = role;
    if (role.ticks) this.scheduleTick(node, this.nowValue + node.rng.int(0, this.tickMs - 1));
  }

  private buildProposer(node: SimNode): RoleNode {
    return new ProposerNode({
      config: {
        ...this.proposerOverrides,
        id: node.id,
        proposers: this.proposerIds,
        acceptors: this.acceptorIds,
        learners: this.learnerIds,
        random: () => node.rng.next(),
      },
      transport: this.transportOf(node),
      clients: () => this.clientIds,
      softStateChanged: (now, before) => this.onElection(node, now, before),
    });
  }

  private buildAcceptor(node: SimNode, restart: boolean): RoleNode {
    const storage = acceptorStorage(node.store!, this.options.bug);
    // What the store holds after a crash counts, synced or not: records a crash kept past the
    // sync point are accepted values as much as the synced ones.
    if (restart) for (const entry of storage.load().entries) this.invariants.onAccepted(node.index, entry);
    return new AcceptorNode({
      config: { id: node.id, learners: this.learnerIds },
      storage,
      transport: this.transportOf(node),
      build: acceptorBuilder(this.options.bug, restart),
      committed: (entries) => {
        for (const entry of entries) this.invariants.onAccepted(node.index, entry);
      },
    });
  }

  private buildLearner(node: SimNode, restart: boolean): RoleNode {
    const log = learnerLog(node.store!, this.options.bug, restart);
    const barrier = readBarrier(this.deliveredCounts, node.index, this.options.bug);
    const transport = this.transportOf(node);
    const reads = new LearnerReads(
      log,
      { id: node.id, send: (to, message) => (transport.send(to, message as Message), true) },
      { send: (to, message) => transport.send(to, message as Message) },
      barrier,
      SIM_LOG_LIMITS,
      true,
    );
    this.invariants.onLearnerStart(node.id, node.name, log.length);
    if (restart && readDeliveredCounts(this.deliveredCounts)[node.index]! > log.length) this.stats.learnerRestartsBehind++;
    return new LearnerNode({
      config: { ...this.learnerTuning, id: node.id, acceptors: this.acceptorIds, proposers: this.proposerIds },
      log,
      transport,
      delivered: (delivery) => this.onDelivered(node, delivery),
      acks: new AckBatcher(node.id, ACK_RANGES_PER_MESSAGE_MAX),
      // Acknowledgements go to client endpoints only (a scripted scenario proposes for clients that do not exist).
      sendAcks: (endpoint, message) => {
        if (this.clientIdSet.has(endpoint)) transport.send(endpoint, message as unknown as Message);
      },
      barrier,
      reads,
    });
  }

  private buildClient(node: SimNode): RoleNode {
    return new SimClient({
      id: node.id,
      commandsTotal: this.options.commandsPerClient ?? 0,
      startMs: node.rng.int(0, this.options.clientStartSpreadMs ?? 0),
      retryMs: this.options.clientRetryMs ?? 150,
      inflightMax: this.options.clientInflightMax ?? 1,
      proposers: this.proposerIds,
      learners: this.learnerIds,
      follows: node.rng.chance(0.5),
      rng: node.rng,
      core: appendCoreFactory(this.options.bug),
      followRead: followReadFactory(this.options.bug),
      callbacks: this.clientCallbacks(node),
    });
  }

  private scheduleTick(node: SimNode, atMs: number): void {
    this.queue.push({
      atMs,
      seq: this.seq++,
      kind: EVENT_TICK,
      node: node.id,
      from: 0,
      msg: null,
      incarnation: node.incarnation,
      action: null,
    });
  }

  private process(event: SimEvent): void {
    try {
      if (event.kind === EVENT_ACTION) {
        event.action!();
      } else if (event.kind === EVENT_TICK) {
        const node = this.nodes[event.node]!;
        if (!node.up || node.incarnation !== event.incarnation) return;
        node.role!.tick(this.nowValue);
        this.endTurnSoon(node);
        this.scheduleTick(node, this.nowValue + this.tickMs);
      } else if (event.kind === EVENT_END_TURN) {
        const node = this.nodes[event.node]!;
        if (!node.up || node.incarnation !== event.incarnation) return;
        node.turnEndPending = false;
        if (node.crashArmed && node.store !== null && node.store.unsyncedBytes > 0) this.crash(node.id);
        else node.role!.endTurn(this.nowValue);
      } else {
        this.arrive(event.from, event.node, event.msg!);
      }
    } catch (error) {
      if (error instanceof SimViolation) this.trace.line(this.nowValue, `VIOLATION ${error.description}`);
      throw error;
    }
  }

  /** A proposer campaigned, leads or stepped down: its node says so (nobody polls it). */
  private onElection(node: SimNode, now: ProposerSoftState, before: ProposerSoftState): void {
    if (now.ballot !== before.ballot) {
      this.stats.campaigns++;
      this.trace.line(this.nowValue, `${node.name} campaigns with ballot ${formatBallot(now.ballot)}`);
    }
    if (now.role === before.role) return;
    if (now.role === ProposerRole.Leader) {
      this.stats.leaderships++;
      this.trace.line(this.nowValue, `${node.name} LEADS with ballot ${formatBallot(now.ballot)}, re-proposing slots ${now.chosenBelow}..`);
    } else if (before.role === ProposerRole.Leader) {
      this.trace.line(this.nowValue, `${node.name} steps down`);
    }
  }

  private arrive(from: NodeId, to: NodeId, msg: Message): void {
    const node = this.nodes[to]!;
    this.trace.mix(this.nowValue, from, to, msg.type);
    if (!node.up) {
      this.stats.messagesLost++;
      this.trace.line(this.nowValue, `${this.nameOf(from)} -> ${node.name} lost (down): ${formatMessage(msg)}`);
      return;
    }
    if (!this.network.connected(from, to)) {
      this.stats.messagesLost++;
      this.trace.line(this.nowValue, `${this.nameOf(from)} -> ${node.name} lost (partition): ${formatMessage(msg)}`);
      return;
    }
    if (this.trace.enabled) this.trace.line(this.nowValue, `${this.nameOf(from)} -> ${node.name} ${formatMessage(msg)}`);
    node.role!.step(from, msg, this.nowValue);
    this.endTurnSoon(node);
  }

  /**
   * The end of the node's turn, a moment from now (a worker's batch): one end of turn for every
   * message and tick until then. Between them a crash can fall between a write and its sync.
   */
  private endTurnSoon(node: SimNode): void {
    // A scripted scenario (manual network) runs no clock between its steps: the turn ends at once.
    if (this.options.manualNetwork) {
      node.role!.endTurn(this.nowValue);
      return;
    }
    if (node.turnEndPending) return;
    node.turnEndPending = true;
    this.queue.push({
      atMs: this.nowValue + node.rng.int(0, TURN_LENGTH_MS_MAX),
      seq: this.seq++,
      kind: EVENT_END_TURN,
      node: node.id,
      from: 0,
      msg: null,
      incarnation: node.incarnation,
      action: null,
    });
  }

  private onDelivered(node: SimNode, delivery: Delivery): void {
    this.invariants.onDelivered(node.id, node.name, delivery);
    const { command } = delivery;
    this.trace.mix(this.nowValue, 0xde, node.id, delivery.logIndex);
    if (!this.trace.enabled) return;
    this.trace.line(this.nowValue, `${node.name} DELIVERS ${commandLabel(command.clientId, command.seq, command.count)} at log index ${delivery.logIndex} (slot ${delivery.slot})`);
  }

  private transportOf(node: SimNode): { send(to: NodeId, message: Message): void } {
    return { send: (to, message) => this.send(node.id, to, message) };
  }

  private send(from: NodeId, to: NodeId, msg: Message): void {
    this.stats.messagesSent++;
    if (this.options.manualNetwork) {
      this.held.push({ from, to, msg });
      return;
    }
    const delays = this.network.arrivals();
    if (delays.length === 0) {
      this.stats.messagesDropped++;
      if (this.trace.enabled) this.trace.line(this.nowValue, `${this.nameOf(from)} -> ${this.nameOf(to)} dropped: ${formatMessage(msg)}`);
      return;
    }
    if (delays.length > 1) this.stats.messagesDuplicated++;
    for (const delayMs of delays) {
      this.queue.push({
        atMs: this.nowValue + delayMs,
        seq: this.seq++,
        kind: EVENT_DELIVER,
        node: to,
        from,
        msg,
        incarnation: 0,
        action: null,
      });
    }
  }

  /** The node's running role, if it is one of `type`. */
  private roleOf<T>(idOrName: NodeId | string, type: abstract new (...args: never[]) => T, what: string): T {
    const node = this.node(idOrName);
    if (!(node.role instanceof type)) throw new RangeError(`${node.name} is not ${what}`);
    return node.role;
  }

  private clientCallbacks(node: SimNode): ClientCallbacks {
    return {
      send: (to, msg) => this.send(node.id, to, msg),
      submitted: (command) => {
        this.invariants.onSubmitted(command);
        this.trace.line(this.nowValue, `${node.name} submits ${commandLabel(command.clientId, command.seq, command.count)}`);
      },
      readAnswered: (learner, index, data, committed, entry) => {
        this.stats.readsChecked++;
        this.invariants.onRead(node.name, this.nameOf(learner), index, data, committed, entry);
        this.trace.line(this.nowValue, `${node.name} read index ${index} from ${this.nameOf(learner)}: ${entry === undefined ? 'missing' : 'seen'}`);
      },
      followed: (index, data) => {
        this.stats.entriesFollowed++;
        this.invariants.onFollowed(node.name, index, data);
      },
      acknowledged: (clientId, seq, logIndex) => {
        this.invariants.onAcknowledged(clientId, seq, logIndex);
        this.trace.line(this.nowValue, `${node.name} acknowledged ${commandLabel(clientId, seq)} at log index ${logIndex}`);
      },
    };
  }
}
