// A whole Multi-Paxos cluster in one thread: proposers, acceptors, learners and clients,
// driven by one event queue and one seeded RNG. Every message goes through the Network
// (loss, duplication, delay, partitions) or, in manual mode, waits in `held` until a test
// delivers it. Crashes drop a role's object; acceptors restart from their storage, learners
// from their durable cursor, proposers from nothing. Invariants are checked as events happen.

import {
  Learner,
  MessageType,
  MemoryAcceptorStorage,
  Proposer,
  ProposerRole,
  Ready,
  formatBallot,
  persistReady,
} from '../paxos/index.js';
import type {
  Acceptor,
  Command,
  LearnerConfig,
  LearnerDurableState,
  Message,
  NodeId,
  ProposerConfig,
} from '../paxos/index.js';
import { buildAcceptor } from './broken.js';
import type { AcceptorBreak } from './broken.js';
import { SimClient } from './client.js';
import type { ClientCallbacks } from './client.js';
import { EventQueue } from './event-queue.js';
import { Invariants, SimViolation } from './invariants.js';
import { CALM_NETWORK, Network } from './network.js';
import type { NetworkFaults } from './network.js';
import { Rng } from './rng.js';
import { Trace, formatMessage } from './trace.js';

export type NodeKind = 'proposer' | 'acceptor' | 'learner' | 'client';

export type ProposerTuning = Partial<Omit<ProposerConfig, 'id' | 'proposers' | 'acceptors' | 'learners' | 'random'>>;
export type LearnerTuning = Partial<Omit<LearnerConfig, 'id' | 'acceptors' | 'proposers'>>;

export interface ClusterOptions {
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
  /** Period of proposer/learner/client ticks. Default 5. */
  readonly tickMs?: number;
  readonly network?: NetworkFaults;
  readonly proposer?: ProposerTuning;
  readonly learner?: LearnerTuning;
  readonly acceptorBreak?: AcceptorBreak;
  readonly trace?: boolean;
  /** Hold every message in `held` until the test delivers or drops it. */
  readonly manualNetwork?: boolean;
}

/** Timings that suit a simulated network with delays of a few to a few tens of ms. */
export const SIM_PROPOSER_TUNING: ProposerTuning = Object.freeze({
  heartbeatIntervalMs: 20,
  electionTimeoutMs: 100,
  backoffBaseMs: 20,
  backoffMaxMs: 400,
  retransmitMs: 40,
  windowSlotsMax: 4,
  batchCommandsMax: 3,
});

export const SIM_LEARNER_TUNING: LearnerTuning = Object.freeze({
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
  proposer: Proposer | null;
  acceptor: Acceptor | null;
  learner: Learner | null;
  client: SimClient | null;
  readonly storage: MemoryAcceptorStorage | null;
  learnerDurable: LearnerDurableState | undefined;
  readonly rng: Rng;
}

export interface HeldMessage {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly msg: Message;
}

export interface ClusterStats {
  events: number;
  messagesSent: number;
  messagesDropped: number;
  messagesDuplicated: number;
  messagesLost: number;
  crashes: number;
  partitions: number;
  campaigns: number;
  leaderships: number;
}

const EVENT_DELIVER = 0;
const EVENT_TICK = 1;
const EVENT_ACTION = 2;

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

export class Cluster {
  readonly options: ClusterOptions;
  readonly nodes: SimNode[] = [];
  readonly proposerIds: NodeId[] = [];
  readonly acceptorIds: NodeId[] = [];
  readonly learnerIds: NodeId[] = [];
  readonly clientIds: NodeId[] = [];
  readonly invariants: Invariants;
  readonly trace: Trace;
  readonly network: Network;
  readonly held: HeldMessage[] = [];
  readonly stats: ClusterStats = {
    events: 0,
    messagesSent: 0,
    messagesDropped: 0,
    messagesDuplicated: 0,
    messagesLost: 0,
    crashes: 0,
    partitions: 0,
    campaigns: 0,
    leaderships: 0,
  };
  private nowValue = 0;
  private seq = 0;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly ready = new Ready();
  private readonly rng: Rng;
  private readonly tickMs: number;
  private readonly proposerTuning: ProposerTuning;
  private readonly learnerTuning: LearnerTuning;

  constructor(options: ClusterOptions) {
    this.options = options;
    this.rng = new Rng(options.seed);
    this.tickMs = options.tickMs ?? 5;
    this.proposerTuning = { ...SIM_PROPOSER_TUNING, ...options.proposer };
    this.learnerTuning = { ...SIM_LEARNER_TUNING, ...options.learner };
    this.trace = new Trace(options.trace ?? false);
    this.network = new Network(options.network ?? CALM_NETWORK, this.rng.fork());
    this.invariants = new Invariants(options.acceptors);

    let nextId = 1;
    const add = (kind: NodeKind, count: number, prefix: string, ids: NodeId[]): void => {
      for (let index = 0; index < count; index++) {
        const id = nextId++;
        ids.push(id);
        this.nodes[id] = {
          id,
          kind,
          name: `${prefix}${index + 1}`,
          index,
          up: true,
          incarnation: 0,
          proposer: null,
          acceptor: null,
          learner: null,
          client: null,
          storage: kind === 'acceptor' ? new MemoryAcceptorStorage() : null,
          learnerDurable: undefined,
          rng: this.rng.fork(),
        };
      }
    };
    add('proposer', options.proposers, 'P', this.proposerIds);
    add('acceptor', options.acceptors, 'A', this.acceptorIds);
    add('learner', options.learners, 'L', this.learnerIds);
    add('client', options.clients ?? 0, 'C', this.clientIds);

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
    const node = this.node(idOrName);
    if (node.proposer === null) throw new RangeError(`${node.name} is not a running proposer`);
    return node.proposer;
  }

  acceptor(idOrName: NodeId | string): Acceptor {
    const node = this.node(idOrName);
    if (node.acceptor === null) throw new RangeError(`${node.name} is not a running acceptor`);
    return node.acceptor;
  }

  learner(idOrName: NodeId | string): Learner {
    const node = this.node(idOrName);
    if (node.learner === null) throw new RangeError(`${node.name} is not a running learner`);
    return node.learner;
  }

  client(idOrName: NodeId | string): SimClient {
    const node = this.node(idOrName);
    if (node.client === null) throw new RangeError(`${node.name} is not a client`);
    return node.client;
  }

  nameOf(id: NodeId): string {
    return this.nodes[id]?.name ?? `#${id}`;
  }

  /** The proposers that currently believe they lead. */
  leaders(): Proposer[] {
    const leaders: Proposer[] = [];
    for (const id of this.proposerIds) {
      const proposer = this.nodes[id]!.proposer;
      if (proposer?.isLeader) leaders.push(proposer);
    }
    return leaders;
  }

  /** Every client acknowledged all its commands and every running learner delivered all of them. */
  complete(): boolean {
    let total = 0;
    for (const id of this.clientIds) {
      const client = this.nodes[id]!.client!;
      if (!client.done) return false;
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
    if (!node.up || node.kind === 'client') return;
    node.up = false;
    node.incarnation++;
    this.stats.crashes++;
    if (node.learner !== null) node.learnerDurable = node.learner.durableState();
    node.proposer = null;
    node.acceptor = null;
    node.learner = null;
    this.trace.mix(this.nowValue, 0xc0, id, 0);
    this.trace.line(this.nowValue, `${node.name} CRASH`);
  }

  restart(id: NodeId): void {
    const node = this.node(id);
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
    const node = this.node(id);
    this.ready.clear();
    this.observeProposer(node, () => node.proposer!.campaign(this.nowValue, this.ready));
  }

  /** Hand a command to a proposer as if a client had sent it locally. */
  propose(id: NodeId | string, command: Command): boolean {
    const node = this.node(id);
    this.invariants.onSubmitted(command);
    this.ready.clear();
    let queued = false;
    this.observeProposer(node, () => {
      queued = node.proposer!.propose(command, this.nowValue, this.ready);
    });
    return queued;
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

  private start(node: SimNode, restart: boolean): void {
    switch (node.kind) {
      case 'proposer':
        node.proposer = new Proposer({
          ...this.proposerTuning,
          id: node.id,
          proposers: this.proposerIds,
          acceptors: this.acceptorIds,
          learners: this.learnerIds,
          random: () => node.rng.next(),
        });
        break;
      case 'acceptor':
        node.acceptor = buildAcceptor(
          { id: node.id, learners: this.learnerIds },
          node.storage!,
          restart,
          this.options.acceptorBreak,
        );
        return; // acceptors need no ticks
      case 'learner':
        node.learner = new Learner(
          { ...this.learnerTuning, id: node.id, acceptors: this.acceptorIds, proposers: this.proposerIds },
          node.learnerDurable,
        );
        break;
      case 'client':
        node.client = new SimClient({
          id: node.id,
          commandsTotal: this.options.commandsPerClient ?? 0,
          startMs: node.rng.int(0, this.options.clientStartSpreadMs ?? 0),
          retryMs: this.options.clientRetryMs ?? 150,
          proposers: this.proposerIds,
          rng: node.rng,
        });
        break;
    }
    this.scheduleTick(node, this.nowValue + node.rng.int(0, this.tickMs - 1));
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
        this.tick(node);
        this.scheduleTick(node, this.nowValue + this.tickMs);
      } else {
        this.arrive(event.from, event.node, event.msg!);
      }
    } catch (error) {
      if (error instanceof SimViolation) this.trace.line(this.nowValue, `VIOLATION ${error.message}`);
      throw error;
    }
  }

  private tick(node: SimNode): void {
    const ready = this.ready;
    ready.clear();
    switch (node.kind) {
      case 'proposer':
        this.observeProposer(node, () => node.proposer!.tick(this.nowValue, ready));
        return;
      case 'learner':
        node.learner!.tick(this.nowValue, ready);
        this.flush(node);
        return;
      case 'client':
        node.client!.tick(this.nowValue, this.clientCallbacks(node));
        return;
      default:
        return;
    }
  }

  /** Run a proposer input, note elections in the trace and stats, then flush its output. */
  private observeProposer(node: SimNode, input: () => void): void {
    const proposer = node.proposer;
    if (proposer === null) throw new RangeError(`${node.name} is not a running proposer`);
    const ballotBefore = proposer.ballot;
    const roleBefore = proposer.role;
    input();
    if (proposer.ballot !== ballotBefore) {
      this.stats.campaigns++;
      this.trace.line(this.nowValue, `${node.name} campaigns with ballot ${formatBallot(proposer.ballot)}`);
    }
    if (proposer.role !== roleBefore) {
      if (proposer.role === ProposerRole.Leader) {
        this.stats.leaderships++;
        this.trace.line(
          this.nowValue,
          `${node.name} LEADS with ballot ${formatBallot(proposer.ballot)}, re-proposing slots ${proposer.chosenBelow}..`,
        );
      } else if (roleBefore === ProposerRole.Leader) {
        this.trace.line(this.nowValue, `${node.name} steps down`);
      }
    }
    this.flush(node);
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
    const ready = this.ready;
    ready.clear();
    switch (node.kind) {
      case 'proposer':
        this.observeProposer(node, () => node.proposer!.step(msg, this.nowValue, ready));
        return;
      case 'acceptor':
        node.acceptor!.step(msg, ready);
        break;
      case 'learner':
        node.learner!.step(msg, this.nowValue, ready);
        break;
      case 'client':
        node.client!.onMessage(msg, this.nowValue, this.clientCallbacks(node));
        return;
    }
    this.flush(node);
  }

  /** Persist, check, then send: the order a real runtime must follow. */
  private flush(node: SimNode): void {
    const ready = this.ready;
    if (node.storage !== null && ready.hasPersist()) {
      persistReady(node.storage, ready);
      for (const entry of ready.accepted) this.invariants.onAccepted(node.index, entry);
    }
    if (ready.delivered.length > 0 || ready.duplicates.length > 0) {
      for (const delivery of ready.delivered) {
        this.invariants.onDelivered(node.id, node.name, delivery);
        const { command } = delivery;
        this.trace.mix(this.nowValue, 0xde, node.id, delivery.logIndex);
        this.trace.line(
          this.nowValue,
          `${node.name} DELIVERS c${command.clientId}#${command.seq} at log index ${delivery.logIndex} (slot ${delivery.slot})`,
        );
        this.reply(node, command.clientId, command.seq, delivery.logIndex);
      }
      for (const duplicate of ready.duplicates) {
        this.trace.line(
          this.nowValue,
          `${node.name} skips duplicate c${duplicate.clientId}#${duplicate.seq} in slot ${duplicate.slot} (delivered at ${duplicate.logIndex})`,
        );
        this.reply(node, duplicate.clientId, duplicate.seq, duplicate.logIndex);
      }
    }
    for (const envelope of ready.send) this.send(node.id, envelope.to, envelope.msg);
  }

  /** The application layer's acknowledgement to the client that issued a command. */
  private reply(node: SimNode, clientId: number, seq: number, logIndex: number): void {
    if (this.nodes[clientId]?.kind !== 'client') return;
    this.send(node.id, clientId, { type: MessageType.ClientReply, from: node.id, clientId, seq, logIndex });
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

  private clientCallbacks(node: SimNode): ClientCallbacks {
    return {
      send: (to, msg) => this.send(node.id, to, msg),
      submitted: (command) => {
        this.invariants.onSubmitted(command);
        this.trace.line(this.nowValue, `${node.name} submits c${command.clientId}#${command.seq}`);
      },
      acknowledged: (clientId, seq, logIndex) => {
        this.invariants.onAcknowledged(clientId, seq, logIndex);
        this.trace.line(this.nowValue, `${node.name} acknowledged c${clientId}#${seq} at log index ${logIndex}`);
      },
    };
  }
}
