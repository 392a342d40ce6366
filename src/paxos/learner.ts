// The learner: learns a slot once a majority of acceptors accepted the same ballot for it,
// and delivers the commands in slot order, each exactly once.
//
//  - Votes come from Accepted messages (acceptor -> learner) and from CatchUpReply entries.
//    Values come from the proposer's Accept (sent to learners too) or from CatchUpReply entries.
//    A value seen under a ballot >= the chosen ballot is the chosen value (Paxos P2b), so the
//    learner can take the value from any later proposal if it missed the one that won.
//  - Exactly once: a session table remembers, per client, the highest delivered seq and its
//    log index. A retried command that was chosen twice is skipped the second time and
//    reported in ready.duplicates so the application can re-acknowledge it. This assumes each
//    client has one command outstanding at a time (seq n+1 only after n was acknowledged).
//  - Dense numbering: every delivered command gets logIndex = count of commands delivered
//    before it; no-ops and duplicates take no index.
//  - Catch-up: if a leader's heartbeat says slots below chosenBelow are chosen, or votes are
//    waiting ahead of a missing slot, and nothing was delivered for catchUpIntervalMs, it asks
//    every acceptor for what they accepted from its next slot on.
//  - Durable state (nextSlot, nextLogIndex, sessions) belongs with the application's state:
//    the application persists it atomically with applying the delivered commands, and a
//    restarted learner is built from it and catches up from there. Built from a SessionTable,
//    the learner delivers against that table itself (shared with the log that records the
//    deliveries: session-table.ts), not a copy.

import { NO_BALLOT } from './ballot.js';
import type { Ballot } from './ballot.js';
import { checkIndex, checkNodeId, checkNodeIds, checkPositiveInteger } from './ids.js';
import type { NodeId } from './ids.js';
import { MessageType } from './messages.js';
import type { AcceptMessage, AcceptedMessage, CatchUpReplyMessage, Message } from './messages.js';
import { Quorum } from './quorum.js';
import type { Ready } from './ready.js';
import { COMMAND_HEADER_BYTES, commandClientId, commandCount, commandDataBytes, commandSeq, countCommands, viewOf } from './value.js';
import type { Value } from './value.js';
import { SessionTable, type SessionTuple } from './session-table.js';

export interface LearnerConfig {
  readonly id: NodeId;
  readonly acceptors: readonly NodeId[];
  /** Proposers told about delivery progress (drives log truncation). */
  readonly proposers: readonly NodeId[];
  /** Silence before asking acceptors for missed slots. Default 50. */
  readonly catchUpIntervalMs?: number;
  /** Period of LearnerProgress reports. Default 50. */
  readonly progressIntervalMs?: number;
  /** Most slots asked for per CatchUp. Default 256. */
  readonly catchUpSlotsMax?: number;
  /** Votes for slots this far past the next undelivered slot are ignored (memory bound). Default 4096. */
  readonly pendingSlotsMax?: number;
}

export interface LearnerDurableState {
  readonly nextSlot: number;
  readonly nextLogIndex: number;
  /**
   * [clientId, highest delivered seq, its logIndex] per client: copied into the learner's own
   * table; or a SessionTable, which the learner takes as it is and advances as it delivers.
   */
  readonly sessions: ReadonlyArray<SessionTuple> | SessionTable;
}

/** A learner's durable state as a snapshot: its sessions copied out. */
export interface LearnerStateSnapshot extends LearnerDurableState {
  readonly sessions: ReadonlyArray<SessionTuple>;
}

interface BallotTally {
  readonly ballot: Ballot;
  votes: number;
  value: Value | undefined;
}

interface SlotTally {
  readonly ballots: BallotTally[];
  chosenBallot: Ballot;
}

export class Learner {
  readonly id: NodeId;
  private readonly quorum: Quorum;
  private readonly proposers: readonly NodeId[];
  private readonly catchUpIntervalMs: number;
  private readonly progressIntervalMs: number;
  private readonly catchUpSlotsMax: number;
  private readonly pendingSlotsMax: number;

  private nextSlotValue: number;
  private nextLogIndexValue: number;
  private readonly sessions: SessionTable;
  private readonly tallies = new Map<number, SlotTally>();
  private knownChosenBelow = 0;
  private lastDeliveryMs = Number.NEGATIVE_INFINITY;
  private lastCatchUpMs = Number.NEGATIVE_INFINITY;
  private lastProgressReportMs = Number.NEGATIVE_INFINITY;
  private snapshotNeededBelowValue = 0;

  constructor(config: LearnerConfig, durable?: LearnerDurableState) {
    checkNodeId('id', config.id);
    checkNodeIds('proposers', config.proposers, 0);
    this.id = config.id;
    this.quorum = new Quorum(config.acceptors);
    this.proposers = [...config.proposers];
    this.catchUpIntervalMs = config.catchUpIntervalMs ?? 50;
    this.progressIntervalMs = config.progressIntervalMs ?? 50;
    this.catchUpSlotsMax = config.catchUpSlotsMax ?? 256;
    this.pendingSlotsMax = config.pendingSlotsMax ?? 4096;
    checkPositiveInteger('catchUpIntervalMs', this.catchUpIntervalMs);
    checkPositiveInteger('progressIntervalMs', this.progressIntervalMs);
    checkPositiveInteger('catchUpSlotsMax', this.catchUpSlotsMax);
    checkPositiveInteger('pendingSlotsMax', this.pendingSlotsMax);
    this.nextSlotValue = durable?.nextSlot ?? 0;
    this.nextLogIndexValue = durable?.nextLogIndex ?? 0;
    checkIndex('durable.nextSlot', this.nextSlotValue);
    checkIndex('durable.nextLogIndex', this.nextLogIndexValue);
    const sessions = durable?.sessions ?? [];
    this.sessions = sessions instanceof SessionTable ? sessions : SessionTable.from(sessions);
  }

  /** The next slot to deliver: every slot below it has been delivered. */
  get nextSlot(): number {
    return this.nextSlotValue;
  }

  /** The logIndex the next delivered command will get. */
  get nextLogIndex(): number {
    return this.nextLogIndexValue;
  }

  /** Slots waiting for votes or values (memory-bound checks). */
  get pendingSlots(): number {
    return this.tallies.size;
  }

  /** Non-zero if an acceptor said slots below this were dropped while we still need them. */
  get snapshotNeededBelow(): number {
    return this.snapshotNeededBelowValue;
  }

  /**
   * Replaces each value kept for a slot not yet delivered by `replace(value)`: a runtime that
   * holds them as views of another thread's memory copies them out before it lets that memory go.
   */
  replaceValues(replace: (value: Value) => Value): void {
    for (const tally of this.tallies.values()) {
      for (const entry of tally.ballots) if (entry.value !== undefined) entry.value = replace(entry.value);
    }
  }

  durableState(): LearnerStateSnapshot {
    return { nextSlot: this.nextSlotValue, nextLogIndex: this.nextLogIndexValue, sessions: [...this.sessions] };
  }

  step(msg: Message, nowMs: number, ready: Ready): void {
    switch (msg.type) {
      case MessageType.Accept:
        this.onAccept(msg, nowMs, ready);
        break;
      case MessageType.Accepted:
        this.onAccepted(msg, nowMs, ready);
        break;
      case MessageType.CatchUpReply:
        this.onCatchUpReply(msg, nowMs, ready);
        break;
      case MessageType.Heartbeat:
        if (msg.chosenBelow > this.knownChosenBelow) this.knownChosenBelow = msg.chosenBelow;
        break;
      default:
        break;
    }
  }

  tick(nowMs: number, ready: Ready): void {
    const waiting = this.knownChosenBelow > this.nextSlotValue || this.tallies.size > 0;
    if (
      waiting &&
      nowMs - this.lastDeliveryMs >= this.catchUpIntervalMs &&
      nowMs - this.lastCatchUpMs >= this.catchUpIntervalMs
    ) {
      this.lastCatchUpMs = nowMs;
      const msg: Message = {
        type: MessageType.CatchUp,
        from: this.id,
        fromSlot: this.nextSlotValue,
        slotsMax: this.catchUpSlotsMax,
      };
      for (const acceptor of this.quorum.acceptors) ready.send.push({ to: acceptor, msg });
    }
    if (nowMs - this.lastProgressReportMs >= this.progressIntervalMs) {
      this.lastProgressReportMs = nowMs;
      const msg: Message = { type: MessageType.LearnerProgress, from: this.id, deliveredBelow: this.nextSlotValue };
      for (const proposer of this.proposers) ready.send.push({ to: proposer, msg });
    }
  }

  onAccept(msg: AcceptMessage, nowMs: number, ready: Ready): void {
    this.record(msg.slot, msg.ballot, 0, msg.value, nowMs, ready);
  }

  onAccepted(msg: AcceptedMessage, nowMs: number, ready: Ready): void {
    const bit = this.quorum.bit(msg.from);
    if (bit !== 0) this.record(msg.slot, msg.ballot, bit, undefined, nowMs, ready);
  }

  onCatchUpReply(msg: CatchUpReplyMessage, nowMs: number, ready: Ready): void {
    const bit = this.quorum.bit(msg.from);
    if (bit === 0) return;
    if (msg.logStart > this.nextSlotValue) {
      this.snapshotNeededBelowValue = Math.max(this.snapshotNeededBelowValue, msg.logStart);
    }
    for (const entry of msg.entries) this.record(entry.slot, entry.ballot, bit, entry.value, nowMs, ready);
  }

  /** One vote (bit, 0 for none) and/or one value for (slot, ballot). */
  private record(slot: number, ballot: Ballot, bit: number, value: Value | undefined, nowMs: number, ready: Ready): void {
    if (slot < this.nextSlotValue || slot >= this.nextSlotValue + this.pendingSlotsMax) return;
    let tally = this.tallies.get(slot);
    if (tally === undefined) {
      tally = { ballots: [], chosenBallot: NO_BALLOT };
      this.tallies.set(slot, tally);
    }
    let entry: BallotTally | undefined;
    for (const candidate of tally.ballots) {
      if (candidate.ballot === ballot) {
        entry = candidate;
        break;
      }
    }
    if (entry === undefined) {
      entry = { ballot, votes: 0, value: undefined };
      tally.ballots.push(entry);
    }
    entry.votes |= bit;
    if (entry.value === undefined && value !== undefined) entry.value = value;
    if (tally.chosenBallot === NO_BALLOT && this.quorum.isQuorum(entry.votes)) tally.chosenBallot = ballot;
    if (slot === this.nextSlotValue) this.deliverReady(nowMs, ready);
  }

  /** The chosen value of a slot, once known: any proposal at or above the chosen ballot carries it. */
  private chosenValue(tally: SlotTally): Value | undefined {
    if (tally.chosenBallot === NO_BALLOT) return undefined;
    for (const entry of tally.ballots) {
      if (entry.ballot >= tally.chosenBallot && entry.value !== undefined) return entry.value;
    }
    return undefined;
  }

  private deliverReady(nowMs: number, ready: Ready): void {
    for (;;) {
      const slot = this.nextSlotValue;
      const tally = this.tallies.get(slot);
      if (tally === undefined) return;
      const value = this.chosenValue(tally);
      if (value === undefined) return;
      // The one decode of a value on its way to the application: fields at fixed offsets, data as views.
      countCommands(value);
      const view = viewOf(value);
      let indexInBatch = 0;
      for (let at = 0; at < value.byteLength; indexInBatch++) {
        const clientId = commandClientId(view, at);
        const seq = commandSeq(view, at);
        const dataStart = at + COMMAND_HEADER_BYTES;
        const dataEnd = dataStart + commandDataBytes(view, at);
        const count = commandCount(view, at);
        at = dataEnd;
        const session = this.sessions.get(clientId);
        if (session !== undefined && seq <= session.seq) {
          if (seq === session.seq) ready.duplicates.push({ slot, clientId, seq, logIndex: session.logIndex });
          continue;
        }
        const logIndex = this.nextLogIndexValue;
        this.nextLogIndexValue += count;
        this.sessions.advance(clientId, seq, logIndex, session);
        ready.deliver(slot, indexInBatch, logIndex, clientId, seq, count, value, dataStart, dataEnd - dataStart);
      }
      this.tallies.delete(slot);
      this.nextSlotValue = slot + 1;
      this.lastDeliveryMs = nowMs;
    }
  }
}
