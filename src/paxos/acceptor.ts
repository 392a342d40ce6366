// The acceptor: the only role whose memory matters for safety.
//
// Rules (each is a test in test/paxos/acceptor.test.ts):
//  - Prepare(b): promise only if b is strictly above every ballot promised so far. Strictly,
//    because proposers keep no durable state: a restarted proposer may pick a ballot it used
//    before its crash, and must not be able to complete phase 1 with it (it could then put a
//    second value under the same ballot). Refusals name the promise that beat the request.
//  - Accept(b, slot, v): accept if b is not below the promise; the promise rises to b.
//  - The Promise carries every accepted (slot, ballot, value) from the asked slot on.
//  - What it promised and accepted goes into ready.promised / ready.accepted, and the caller
//    persists it before the replies in ready.send leave.
//  - Slots below the leader's gcBelow (delivered by every learner) are dropped; a request for
//    them is answered with logStart, so the asker knows to start there.
//  - A heartbeat whose ballot is below the promise is refused like an Accept would be, so a
//    stale leader with nothing to propose learns that it no longer leads.

import { NO_BALLOT } from './ballot.js';
import type { Ballot } from './ballot.js';
import { checkNodeId, checkNodeIds, checkPositiveInteger } from './ids.js';
import { invariantBroken } from './invariant.js';
import type { NodeId } from './ids.js';
import { ACCEPTED_ENTRY_OVERHEAD_BYTES, MessageType } from './messages.js';
import type {
  AcceptedEntry,
  AcceptMessage,
  CatchUpMessage,
  HeartbeatMessage,
  Message,
  PrepareMessage,
} from './messages.js';
import type { Ready } from './ready.js';
import { EMPTY_ACCEPTOR_STATE } from './storage.js';
import type { AcceptorDurableState } from './storage.js';

export interface AcceptorConfig {
  readonly id: NodeId;
  /** Learners told about every accepted slot. */
  readonly learners: readonly NodeId[];
  /** Most entries in one CatchUpReply (bounds message size). Default 256. */
  readonly catchUpSlotsMax?: number;
  /**
   * Bytes of entries (value bytes plus ACCEPTED_ENTRY_OVERHEAD_BYTES each) in one Promise part or
   * CatchUpReply. Default 256 KiB. One entry always goes, so it must exceed the largest value plus
   * the overhead, which the caller's limits ensure.
   */
  readonly replyBytesMax?: number;
}

export class Acceptor {
  readonly id: NodeId;
  protected readonly learners: readonly NodeId[];
  protected readonly catchUpSlotsMax: number;
  protected readonly replyBytesMax: number;
  protected promised: Ballot;
  protected logStart: number;
  /** Highest slot ever accepted, or logStart - 1. Bounds scans over the log. */
  protected highSlot: number;
  protected readonly log = new Map<number, AcceptedEntry>();

  /** Build from durable state: EMPTY_ACCEPTOR_STATE for a new acceptor, storage.load() after a crash. */
  constructor(config: AcceptorConfig, durable: AcceptorDurableState = EMPTY_ACCEPTOR_STATE) {
    checkNodeId('id', config.id);
    checkNodeIds('learners', config.learners, 0);
    this.id = config.id;
    this.learners = [...config.learners];
    this.catchUpSlotsMax = config.catchUpSlotsMax ?? 256;
    checkPositiveInteger('catchUpSlotsMax', this.catchUpSlotsMax);
    this.replyBytesMax = config.replyBytesMax ?? 256 * 1024;
    checkPositiveInteger('replyBytesMax', this.replyBytesMax);
    this.promised = durable.promised;
    this.logStart = durable.logStart;
    this.highSlot = durable.logStart - 1;
    for (const entry of durable.entries) {
      if (entry.slot < this.logStart) continue;
      this.log.set(entry.slot, entry);
      if (entry.slot > this.highSlot) this.highSlot = entry.slot;
    }
  }

  get promisedBallot(): Ballot {
    return this.promised;
  }

  get firstSlot(): number {
    return this.logStart;
  }

  /** Number of slots held in memory (for memory-bound checks). */
  get logSize(): number {
    return this.log.size;
  }

  acceptedAt(slot: number): AcceptedEntry | undefined {
    return this.log.get(slot);
  }

  /** Feed one message. Messages acceptors do not handle are ignored. */
  step(msg: Message, ready: Ready): void {
    switch (msg.type) {
      case MessageType.Prepare:
        this.onPrepare(msg, ready);
        break;
      case MessageType.Accept:
        this.onAccept(msg, ready);
        break;
      case MessageType.Heartbeat:
        this.onHeartbeat(msg, ready);
        break;
      case MessageType.CatchUp:
        this.onCatchUp(msg, ready);
        break;
      default:
        break;
    }
  }

  onPrepare(msg: PrepareMessage, ready: Ready): void {
    if (!this.admitsPrepare(msg.ballot)) {
      ready.send.push({
        to: msg.from,
        msg: { type: MessageType.Nack, from: this.id, ballot: msg.ballot, promised: this.promised, slot: -1 },
      });
      return;
    }
    this.raisePromise(msg.ballot, ready);
    // Split by bytes into parts; every part is built before any is sent, so each knows the count.
    const parts: AcceptedEntry[][] = [[]];
    let partBytes = 0;
    for (let slot = Math.max(msg.fromSlot, this.logStart); slot <= this.highSlot; slot++) {
      const entry = this.log.get(slot);
      if (entry === undefined) continue;
      const entryBytes = entry.value.byteLength + ACCEPTED_ENTRY_OVERHEAD_BYTES;
      if (partBytes > 0 && partBytes + entryBytes > this.replyBytesMax) {
        parts.push([]);
        partBytes = 0;
      }
      parts[parts.length - 1]!.push(entry);
      partBytes += entryBytes;
    }
    for (let part = 0; part < parts.length; part++) {
      ready.send.push({
        to: msg.from,
        msg: { type: MessageType.Promise, from: this.id, ballot: msg.ballot, logStart: this.logStart, entries: parts[part]!, part, parts: parts.length },
      });
    }
  }

  /** The one place a promise changes: it only rises (an acceptor that forgets a promise lets two values be chosen). */
  private raisePromise(ballot: Ballot, ready: Ready): void {
    if (ballot < this.promised) invariantBroken(`acceptor ${this.id}: promise would fall from ${this.promised} to ${ballot}`);
    this.promised = ballot;
    ready.promised = ballot;
  }

  onAccept(msg: AcceptMessage, ready: Ready): void {
    // Dropped slots were delivered everywhere; the sender learns that from the next gcBelow.
    if (msg.slot < this.logStart) return;
    if (!this.admitsAccept(msg.ballot)) {
      ready.send.push({
        to: msg.from,
        msg: { type: MessageType.Nack, from: this.id, ballot: msg.ballot, promised: this.promised, slot: msg.slot },
      });
      return;
    }
    if (msg.ballot > this.promised) this.raisePromise(msg.ballot, ready);
    const previous = this.log.get(msg.slot);
    // A retransmitted Accept we already hold needs no second write, only a second answer.
    if (previous === undefined || previous.ballot !== msg.ballot) {
      const entry: AcceptedEntry = { slot: msg.slot, ballot: msg.ballot, value: msg.value };
      this.log.set(msg.slot, entry);
      if (msg.slot > this.highSlot) this.highSlot = msg.slot;
      ready.accepted.push(entry);
    }
    const accepted: Message = { type: MessageType.Accepted, from: this.id, ballot: msg.ballot, slot: msg.slot };
    ready.send.push({ to: msg.from, msg: accepted });
    for (const learner of this.learners) if (learner !== msg.from) ready.send.push({ to: learner, msg: accepted });
  }

  onHeartbeat(msg: HeartbeatMessage, ready: Ready): void {
    // Heartbeats are not promises; they carry the truncation watermark. A leader whose ballot is
    // below this acceptor's promise is told, as its Accepts would be: a stale leader with nothing
    // to propose would otherwise lead on and never repair a slot whose acceptances ended up
    // under different ballots, leaving a lagging learner without a majority to learn it from
    // (found by a million-seed run, seed 7087007).
    if (msg.ballot < this.promised) {
      ready.send.push({ to: msg.from, msg: { type: MessageType.Nack, from: this.id, ballot: msg.ballot, promised: this.promised, slot: -1 } });
    }
    if (msg.gcBelow <= this.logStart) return;
    for (let slot = this.logStart; slot < msg.gcBelow && slot <= this.highSlot; slot++) this.log.delete(slot);
    this.logStart = msg.gcBelow;
    if (this.highSlot < this.logStart - 1) this.highSlot = this.logStart - 1;
    ready.truncateBelow = msg.gcBelow;
  }

  onCatchUp(msg: CatchUpMessage, ready: Ready): void {
    const entries: AcceptedEntry[] = [];
    const first = Math.max(msg.fromSlot, this.logStart);
    const last = Math.min(this.highSlot, first + Math.min(msg.slotsMax, this.catchUpSlotsMax) - 1);
    let bytes = 0;
    for (let slot = first; slot <= last; slot++) {
      const entry = this.log.get(slot);
      if (entry === undefined) continue;
      // The learner asks again from where this reply stops.
      bytes += entry.value.byteLength + ACCEPTED_ENTRY_OVERHEAD_BYTES;
      if (entries.length > 0 && bytes > this.replyBytesMax) break;
      entries.push(entry);
    }
    ready.send.push({
      to: msg.from,
      msg: { type: MessageType.CatchUpReply, from: this.id, logStart: this.logStart, entries },
    });
  }

  /** The promise rule. Protected so the simulator can plant deliberately broken acceptors. */
  protected admitsPrepare(ballot: Ballot): boolean {
    return ballot > this.promised;
  }

  /** The accept rule. NO_BALLOT is never a real ballot. */
  protected admitsAccept(ballot: Ballot): boolean {
    return ballot !== NO_BALLOT && ballot >= this.promised;
  }
}
