// The proposer: leader election through ballots, then Multi-Paxos phase 2 with a window.
//
//  - Follower: waits for heartbeats from a leader; after a randomized election timeout with no
//    heartbeat, campaigns.
//  - Candidate: sends one Prepare(ballot, fromSlot) covering every slot from fromSlot on (the
//    lowest slot some learner may still need). On promises from a majority it becomes leader.
//    A refusal (Nack naming a higher ballot) or a phase-1 timeout makes it a follower again,
//    with exponential, jittered backoff before the next try.
//  - Leader: first re-proposes, for every slot from fromSlot up to the highest slot any
//    promise mentioned, the value with the highest ballot it heard, and a no-op for true holes;
//    only then takes new client commands. While its ballot stands each new slot needs only the
//    Accept round. Up to windowSlotsMax slots are in flight at once (pipelining) and each slot
//    carries up to batchCommandsMax commands (batching). Unanswered Accepts are retransmitted
//    every retransmitMs. A Nack or a heartbeat with a higher ballot makes it step down.
//  - Memory: learners report how far they delivered; the minimum over all learners (gcBelow)
//    goes out in heartbeats so acceptors can drop that prefix.
//
// The proposer ties its parts together and decides what each slot carries; each part has a home
// of its own: the role, ballots and timeouts in an Election (election.ts), a campaign's Promises
// in PhaseOne (phase-one.ts), the slots
// in flight and how far they are chosen in an AcceptWindow (accept-window.ts), client commands
// waiting for a slot and the cutting of each slot's value in a CommandQueue (command-queue.ts),
// the learners' reports in LearnerProgress (learner-progress.ts).
//
// A proposer keeps no durable state: safety rests on acceptors refusing a Prepare whose ballot
// is not strictly above their promise (see acceptor.ts), which stops a restarted proposer from
// reusing a ballot it had already used.

import type { Ballot } from './ballot.js';
import { Election, ProposerRole, checkElectionTiming } from './election.js';
import { PROPOSER_DEFAULTS } from './defaults.js';
import { checkNodeId, checkNodeIds, checkPositiveInteger } from './ids.js';
import type { NodeId } from './ids.js';
import { MessageType } from './messages.js';
import type {
  AcceptedMessage,
  HeartbeatMessage,
  LearnerProgressMessage,
  Message,
  NackMessage,
  PromiseMessage,
} from './messages.js';
import { AcceptWindow } from './accept-window.js';
import { CommandQueue } from './command-queue.js';
import { LearnerProgress } from './learner-progress.js';
import { PhaseOne } from './phase-one.js';
import { Quorum } from './quorum.js';
import type { Ready } from './ready.js';
import {
  COMMAND_HEADER_BYTES,
  NOOP,
  checkCommandFields,
  commandClientId,
  commandSeq,
  nextCommandAt,
  viewOf,
  writeCommand,
} from './value.js';
import type { Command, Value } from './value.js';

export interface ProposerConfig {
  readonly id: NodeId;
  /** Every proposer, this one included (heartbeats go to the others). */
  readonly proposers: readonly NodeId[];
  readonly acceptors: readonly NodeId[];
  readonly learners: readonly NodeId[];
  /** Uniform random numbers in [0, 1): the only source of randomness (pass a seeded RNG). */
  readonly random: () => number;
  // Defaults for every timing and size below: PROPOSER_DEFAULTS (defaults.ts), which the log's options share.
  readonly heartbeatIntervalMs?: number;
  /** Standbys wait [t, 2t) without a heartbeat before campaigning. */
  readonly electionTimeoutMs?: number;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** Resend unanswered Prepare/Accept after this long. */
  readonly retransmitMs?: number;
  /** Slots in flight at once. */
  readonly windowSlotsMax?: number;
  /**
   * Bytes of the values in flight at once: no slot opens while the window holds this many (one
   * always may, into an empty window, whatever its size). Default unbounded. The log bounds it by
   * its leader's value slab, where the values in flight are read from by reference.
   */
  readonly windowBytesMax?: number;
  /** Commands per slot. */
  readonly batchCommandsMax?: number;
  /**
   * Bytes of one slot's value, command headers included (a slot travels as one Accept, which must
   * fit a mailbox). A single command larger than this still gets a slot of its own: the caller
   * bounds command sizes so that such a slot fits too.
   */
  readonly batchBytesMax?: number;
  /** Client commands queued while the window is full; beyond this they are dropped (clients retry). */
  readonly pendingCommandsMax?: number;
  /**
   * Bytes of a slot's value that joins commands from more than one client batch (a copy of them
   * all; a value from one batch is a view of it): a slot joins a further batch only while its
   * value stays within this, so large entries are not copied to share a slot.
   */
  readonly joinBytesMax?: number;
  /**
   * What the proposer keeps of the bytes enqueueCommands() gets, called once per call that
   * queues a command: the bytes themselves by default (the caller must not modify them). A host
   * that hands over views valid only during the call (a batch read in place from its ring) passes
   * a copier; forEachHeldValue() then names every copy still read.
   */
  readonly keepCommands?: (commands: Uint8Array) => Uint8Array;
  /** Default true. Only for demonstrating dueling proposers. */
  readonly randomizedTimeouts?: boolean;
  /** Default true. Only for demonstrating dueling proposers. */
  readonly backoff?: boolean;
}

export class Proposer {
  readonly id: NodeId;
  private readonly peers: readonly NodeId[];
  private readonly quorum: Quorum;
  private readonly learners: readonly NodeId[];
  private readonly election: Election;
  private readonly heartbeatIntervalMs: number;
  private readonly retransmitMs: number;
  private readonly windowSlotsMax: number;
  private readonly windowBytesMax: number;

  private readonly phaseOne: PhaseOne;
  private readonly window: AcceptWindow;
  /** Slots below this (and at or above chosenBelow) must be re-proposed before new commands. */
  private recoveryEndValue = 0;
  private nextHeartbeatMs = 0;
  /** Client commands waiting for a slot. */
  private readonly queue: CommandQueue;
  private readonly progress: LearnerProgress;

  constructor(config: ProposerConfig) {
    checkNodeId('id', config.id);
    checkNodeIds('proposers', config.proposers);
    checkNodeIds('learners', config.learners, 0);
    if (!config.proposers.includes(config.id)) {
      throw new RangeError(`proposers must include this proposer's id ${config.id}`);
    }
    if (typeof config.random !== 'function') throw new TypeError(`random must be a function, got ${String(config.random)}`);
    this.id = config.id;
    this.peers = config.proposers.filter((id) => id !== config.id);
    this.quorum = new Quorum(config.acceptors);
    this.learners = [...config.learners];
    const timing = {
      electionTimeoutMs: config.electionTimeoutMs ?? PROPOSER_DEFAULTS.electionTimeoutMs,
      backoffBaseMs: config.backoffBaseMs ?? PROPOSER_DEFAULTS.backoffBaseMs,
      backoffMaxMs: config.backoffMaxMs ?? PROPOSER_DEFAULTS.backoffMaxMs,
      randomizedTimeouts: config.randomizedTimeouts ?? true,
      backoff: config.backoff ?? true,
    };
    checkElectionTiming(timing);
    this.election = new Election(config.id, timing, config.random);
    this.heartbeatIntervalMs = config.heartbeatIntervalMs ?? PROPOSER_DEFAULTS.heartbeatIntervalMs;
    this.retransmitMs = config.retransmitMs ?? PROPOSER_DEFAULTS.retransmitMs;
    this.windowSlotsMax = config.windowSlotsMax ?? PROPOSER_DEFAULTS.windowSlotsMax;
    this.windowBytesMax = config.windowBytesMax ?? Number.POSITIVE_INFINITY;
    const batchCommandsMax = config.batchCommandsMax ?? PROPOSER_DEFAULTS.batchCommandsMax;
    const batchBytesMax = config.batchBytesMax ?? PROPOSER_DEFAULTS.batchBytesMax;
    const pendingCommandsMax = config.pendingCommandsMax ?? PROPOSER_DEFAULTS.pendingCommandsMax;
    const joinBytesMax = config.joinBytesMax ?? PROPOSER_DEFAULTS.joinBytesMax;
    checkPositiveInteger('heartbeatIntervalMs', this.heartbeatIntervalMs);
    checkPositiveInteger('retransmitMs', this.retransmitMs);
    checkPositiveInteger('windowSlotsMax', this.windowSlotsMax);
    if (this.windowBytesMax !== Number.POSITIVE_INFINITY) checkPositiveInteger('windowBytesMax', this.windowBytesMax);
    checkPositiveInteger('batchCommandsMax', batchCommandsMax);
    checkPositiveInteger('batchBytesMax', batchBytesMax);
    checkPositiveInteger('pendingCommandsMax', pendingCommandsMax);
    checkPositiveInteger('joinBytesMax', joinBytesMax);
    if (config.keepCommands !== undefined && typeof config.keepCommands !== 'function') throw new TypeError(`keepCommands must be a function, got ${String(config.keepCommands)}`);
    this.queue = new CommandQueue(pendingCommandsMax, batchCommandsMax, batchBytesMax, joinBytesMax, config.keepCommands);
    this.phaseOne = new PhaseOne(this.quorum);
    this.window = new AcceptWindow(this.id, this.quorum, (value) => this.queue.chosen(value));
    this.progress = new LearnerProgress(this.learners);
    if (this.heartbeatIntervalMs >= timing.electionTimeoutMs) {
      throw new RangeError(
        `heartbeatIntervalMs must be below electionTimeoutMs (${timing.electionTimeoutMs}), got ${this.heartbeatIntervalMs}`,
      );
    }
  }

  get role(): ProposerRole {
    return this.election.role;
  }
  get isLeader(): boolean {
    return this.election.role === ProposerRole.Leader;
  }
  get ballot(): Ballot {
    return this.election.ballot;
  }
  /** Last known leader (this proposer if leading), or -1. */
  get leaderHint(): NodeId | -1 {
    return this.election.leaderHint;
  }
  /** Every slot below this is known chosen (meaningful while leading). */
  get chosenBelow(): number {
    return this.window.chosenBelow;
  }
  get nextSlot(): number {
    return this.window.nextSlot;
  }
  /**
   * While leading: the end of the slots it found accepted when it took over (proposed again, or
   * filled with no-ops): every slot chosen before then lies below it. 0 otherwise.
   */
  get recoveryEnd(): number {
    return this.isLeader ? this.recoveryEndValue : 0;
  }
  get gcBelow(): number {
    return this.progress.gcBelow;
  }
  get inflightCount(): number {
    return this.window.size;
  }
  get pendingCount(): number {
    return this.queue.commands;
  }

  /**
   * Visits every byte range of client commands the proposer still reads: queued runs (kept as
   * keepCommands made them) and the values of slots in flight (which retransmits send again).
   * A slot's value is a view of a run, or a copy where it joined runs; a recovered value or a
   * no-op is the proposer's own.
   */
  forEachHeldValue(visit: (bytes: Uint8Array) => void): void {
    this.queue.forEachRun(visit);
    this.window.forEachValue(visit);
  }
  /**
   * A message to `to` that the transport held for room in its mailbox went in at `nowMs` (a
   * transport that never holds one never calls this): an Accept to an acceptor that reads behind
   * a burst is not retransmitted for retransmitMs from then (AcceptWindow.mailboxProgressed()).
   */
  mailboxProgressed(to: NodeId, nowMs: number): void {
    this.window.mailboxProgressed(to, nowMs);
  }
  /** Accepts retransmitted so far, one per acceptor each went to. */
  get acceptsResent(): number {
    return this.window.acceptsResent;
  }
  get failedCampaigns(): number {
    return this.election.failedCampaigns;
  }
  /** Campaigns started since construction (for tests of dueling). */
  get campaigns(): number {
    return this.election.campaigns;
  }

  step(msg: Message, nowMs: number, ready: Ready): void {
    switch (msg.type) {
      case MessageType.Promise:
        this.onPromise(msg, nowMs, ready);
        break;
      case MessageType.Accepted:
        this.onAccepted(msg, nowMs, ready);
        break;
      case MessageType.Nack:
        this.onNack(msg, nowMs, ready);
        break;
      case MessageType.Heartbeat:
        this.onHeartbeat(msg, nowMs, ready);
        break;
      case MessageType.ClientRequest:
        this.propose(msg.command, nowMs, ready, msg.from);
        break;
      case MessageType.LearnerProgress:
        this.onLearnerProgress(msg, nowMs, ready);
        break;
      default:
        break;
    }
  }

  tick(nowMs: number, ready: Ready): void {
    const due = this.election.due(nowMs);
    switch (this.election.role) {
      case ProposerRole.Follower:
        if (due) this.campaign(nowMs, ready);
        break;
      case ProposerRole.Candidate:
        if (due) this.stepDown(nowMs, true);
        else if (nowMs - this.phaseOne.sentAtMs >= this.retransmitMs) this.sendPrepare(nowMs, ready, this.phaseOne.votes);
        break;
      case ProposerRole.Leader:
        if (nowMs >= this.nextHeartbeatMs) this.sendHeartbeat(nowMs, ready);
        this.retireDelivered(nowMs, ready);
        this.window.retransmit(nowMs, this.retransmitMs, ready);
        break;
    }
  }

  /** Start phase 1 now with a ballot above every ballot seen. Ticks call this; tests may too. */
  campaign(nowMs: number, ready: Ready): void {
    this.clearLeadership();
    this.election.campaign(nowMs);
    this.phaseOne.reset();
    this.sendPrepare(nowMs, ready, 0);
  }

  /**
   * A client command. Queued (and proposed as soon as the window allows) if leading; otherwise,
   * if `replyTo` is a node, it gets a Redirect naming the last known leader. Returns whether queued.
   */
  propose(command: Command, nowMs: number, ready: Ready, replyTo: NodeId | -1 = -1): boolean {
    const queued = this.enqueue(command, ready, replyTo);
    if (queued) this.fillWindow(nowMs, ready);
    return queued;
  }

  /** As propose(), but only queues the command (see enqueueCommands). */
  enqueue(command: Command, ready: Ready, replyTo: NodeId | -1 = -1): boolean {
    const count = command.count ?? 1;
    checkCommandFields(command.clientId, command.seq, count, command.data);
    const bytes = new Uint8Array(COMMAND_HEADER_BYTES + command.data.byteLength);
    writeCommand(bytes, viewOf(bytes), 0, command.clientId, command.seq, count, command.data);
    return this.enqueueCommands(bytes, ready, replyTo) === 1;
  }

  /**
   * Queues encoded commands (value layout, see value.ts) without opening slots: slots are opened
   * by the next fill() (or any propose, tick or vote). A caller that takes many commands at once
   * queues them all, then fills once, so they share slots instead of each opening a slot of its
   * own while the window has room. The bytes are kept as config.keepCommands makes them (by default
   * not copied: do not modify them). Commands
   * go into slots as runs of these bytes, never decoded into objects. Not leading: each command
   * gets a Redirect to `replyTo` (if a node). Returns how many commands are queued (retries of a
   * command already queued or in flight count as queued; commands beyond pendingCommandsMax are
   * dropped, and their clients retry).
   */
  enqueueCommands(commands: Uint8Array, ready: Ready, replyTo: NodeId | -1 = -1): number {
    const view = viewOf(commands);
    if (this.election.role !== ProposerRole.Leader) {
      if (replyTo >= 0) {
        for (let at = 0; at < commands.byteLength; at = nextCommandAt(view, at)) {
          ready.send.push({
            to: replyTo,
            msg: { type: MessageType.Redirect, from: this.id, clientId: commandClientId(view, at), seq: commandSeq(view, at), leaderHint: this.election.leaderHint },
          });
        }
      }
      return 0;
    }
    return this.queue.enqueue(commands, view);
  }

  /**
   * Bytes of client commands waiting for a slot while this proposer leads (0 otherwise: what a
   * former leadership left queued waits for the next one, and holds nobody back meanwhile).
   */
  get queuedCommandBytes(): number {
    return this.election.role === ProposerRole.Leader ? this.queue.bytes : 0;
  }

  /** Opens slots for queued commands while the window has room. */
  fill(nowMs: number, ready: Ready): void {
    if (this.election.role === ProposerRole.Leader) this.fillWindow(nowMs, ready);
  }

  onPromise(msg: PromiseMessage, nowMs: number, ready: Ready): void {
    this.election.observe(msg.ballot);
    if (this.election.role !== ProposerRole.Candidate || msg.ballot !== this.election.ballot) return;
    if (this.phaseOne.onPromise(msg)) this.becomeLeader(nowMs, ready);
  }

  onAccepted(msg: AcceptedMessage, nowMs: number, ready: Ready): void {
    if (this.election.role !== ProposerRole.Leader || msg.ballot !== this.election.ballot) return;
    if (this.window.vote(msg.slot, msg.from)) this.fillWindow(nowMs, ready);
  }

  onNack(msg: NackMessage, nowMs: number, ready: Ready): void {
    const election = this.election;
    election.observe(msg.promised);
    if (election.role === ProposerRole.Follower || msg.ballot !== election.ballot) return;
    if (msg.promised <= election.ballot) return;
    this.stepDown(nowMs, true);
    // Without backoff a beaten proposer fights back at once: the classic dueling behaviour,
    // kept only so the simulator can show the livelock that backoff prevents.
    if (!election.timing.backoff) this.campaign(nowMs, ready);
  }

  onHeartbeat(msg: HeartbeatMessage, nowMs: number, ready: Ready): void {
    if (msg.from === this.id) return;
    const election = this.election;
    election.observe(msg.ballot);
    this.progress.raise(msg.gcBelow);
    if (election.role !== ProposerRole.Follower) {
      if (msg.ballot <= election.ballot) return;
      if (!election.timing.backoff) {
        // Demonstration mode: a preempted proposer fights back at once instead of deferring.
        this.stepDown(nowMs, true);
        this.campaign(nowMs, ready);
        return;
      }
      this.stepDown(nowMs, false);
    }
    election.heardLeader(msg.ballot, msg.from, nowMs);
  }

  onLearnerProgress(msg: LearnerProgressMessage, nowMs: number, ready: Ready): void {
    if (!this.progress.report(msg.from, msg.deliveredBelow)) return;
    if (this.election.role !== ProposerRole.Leader) return;
    this.retireBelow(this.progress.gcBelow);
    this.window.advanceChosen();
    this.fillWindow(nowMs, ready);
  }

  /**
   * Slots below gcBelow were delivered by every learner, so they are chosen: a leader stops
   * chasing them. gcBelow can rise through a heartbeat as well as through learner progress, and
   * acceptors that dropped such a slot no longer answer for it, so without this a leader would
   * retransmit those Accepts forever and its window would never move (found by the simulator,
   * seed 1384432889).
   */
  private retireDelivered(nowMs: number, ready: Ready): void {
    if (this.retireBelow(this.progress.gcBelow)) {
      this.window.advanceChosen();
      this.fillWindow(nowMs, ready);
    }
  }

  /**
   * The one place slots every learner delivered are retired: slots below `below` are chosen, so
   * the leader stops chasing them (in flight or still to recover) and its window starts at
   * `below` at the lowest. Returns whether a slot in flight was retired.
   */
  private retireBelow(below: number): boolean {
    const retired = this.window.retireBelow(below);
    this.phaseOne.forgetBelow(below);
    return retired;
  }

  private sendPrepare(nowMs: number, ready: Ready, skipMask: number): void {
    this.phaseOne.sentAtMs = nowMs;
    const msg: Message = { type: MessageType.Prepare, from: this.id, ballot: this.election.ballot, fromSlot: this.progress.gcBelow };
    for (const acceptor of this.quorum.acceptors) {
      if ((skipMask & this.quorum.bit(acceptor)) === 0) ready.send.push({ to: acceptor, msg });
    }
  }

  private becomeLeader(nowMs: number, ready: Ready): void {
    this.election.won();
    // Slots below any acceptor's logStart were delivered by every learner: nothing to redo.
    const start = Math.max(this.progress.gcBelow, this.phaseOne.logStart);
    this.progress.raise(start);
    this.recoveryEndValue = this.phaseOne.recoveryEndFrom(start);
    this.window.restartAt(start);
    this.queue.forgetQueuedSeqs();
    this.sendHeartbeat(nowMs, ready);
    this.fillWindow(nowMs, ready);
  }

  private stepDown(nowMs: number, failed: boolean): void {
    this.clearLeadership();
    this.election.stepDown(nowMs, failed);
  }

  private clearLeadership(): void {
    this.window.clear();
    this.phaseOne.clearRecovered();
    this.queue.forgetQueuedSeqs();
  }

  private sendHeartbeat(nowMs: number, ready: Ready): void {
    this.nextHeartbeatMs = nowMs + this.heartbeatIntervalMs;
    const msg: Message = {
      type: MessageType.Heartbeat,
      from: this.id,
      ballot: this.election.ballot,
      // What some learner delivered is chosen too: this tells a lagging learner to catch up
      // even when this leader has chosen nothing itself yet.
      chosenBelow: Math.max(this.window.chosenBelow, this.progress.deliveredMax),
      gcBelow: this.progress.gcBelow,
    };
    for (const peer of this.peers) ready.send.push({ to: peer, msg });
    for (const acceptor of this.quorum.acceptors) ready.send.push({ to: acceptor, msg });
    for (const learner of this.learners) ready.send.push({ to: learner, msg });
  }

  /**
   * Issue slots while the window has room (windowSlotsMax slots, windowBytesMax bytes of values):
   * recovery slots first, then batches of new commands.
   */
  private fillWindow(nowMs: number, ready: Ready): void {
    while (this.window.size < this.windowSlotsMax && (this.window.size === 0 || this.window.valueBytes < this.windowBytesMax)) {
      const slot = this.window.nextSlot;
      let value: Value;
      if (slot < this.recoveryEndValue) {
        value = this.phaseOne.takeRecovered(slot) ?? NOOP;
      } else if (this.queue.commands > 0) {
        value = this.queue.takeBatch();
      } else {
        return;
      }
      const msg = this.window.issue(this.election.ballot, value, nowMs);
      // Learners first: a host may send them the Accept without waking them (the acceptors'
      // Accepted votes do that), and then the value must be in a learner's mailbox before any
      // acceptor can have voted for it.
      for (const learner of this.learners) ready.send.push({ to: learner, msg });
      for (const acceptor of this.quorum.acceptors) ready.send.push({ to: acceptor, msg });
    }
  }
}
