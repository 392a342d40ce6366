// A leader's window of phase-2 slots: the Accepts in flight, the votes each has, the next slot to
// issue and how far every slot is known chosen. The proposer decides what goes into a slot (a
// recovered value, a no-op, a batch of commands) and when; the window keeps the slots' progress,
// retransmits what a quorum has not voted for, and retires a slot once it is chosen.
import type { Ballot } from './ballot.js';
import type { NodeId } from './ids.js';
import { invariantBroken } from './invariant.js';
import { MessageType, type AcceptMessage } from './messages.js';
import type { Quorum } from './quorum.js';
import type { Ready } from './ready.js';
import type { Value } from './value.js';

interface InflightSlot {
  readonly msg: AcceptMessage;
  /** Acceptors that voted, as quorum bits. */
  votes: number;
  sentAtMs: number;
}

export class AcceptWindow {
  private readonly inflight = new Map<number, InflightSlot>();
  private nextSlotValue = 0;
  private chosenBelowValue = 0;
  private valueBytesInFlight = 0;
  /** Accepts sent again by retransmit(), one per acceptor it went to (for counters). */
  acceptsResent = 0;
  /** Per acceptor: when a message to it that had waited for room in its mailbox last went in (mailboxProgressed()). */
  private readonly mailboxProgressMs = new Map<NodeId, number>();

  constructor(
    private readonly proposerId: NodeId,
    private readonly quorum: Quorum,
    /** Told each value whose slot is chosen (the command queue forgets its seqs then). */
    private readonly retired: (value: Value) => void,
  ) {}

  /** Slots in flight. */
  get size(): number {
    return this.inflight.size;
  }

  /** Bytes of the values of the slots in flight. */
  get valueBytes(): number {
    return this.valueBytesInFlight;
  }

  /** The next slot to issue. */
  get nextSlot(): number {
    return this.nextSlotValue;
  }

  /** Every slot below this is known chosen. */
  get chosenBelow(): number {
    return this.chosenBelowValue;
  }

  /** A new leadership: nothing in flight, and issuing and choosing start at `start`. */
  restartAt(start: number): void {
    this.nextSlotValue = start;
    this.chosenBelowValue = start;
    this.clear();
  }

  /** Leadership lost: forget what was in flight (the next leader recovers it). */
  clear(): void {
    this.inflight.clear();
    this.valueBytesInFlight = 0;
  }

  /** Issues the next slot with `value` in `ballot`; returns its Accept, which the caller sends. */
  issue(ballot: Ballot, value: Value, nowMs: number): AcceptMessage {
    const slot = this.nextSlotValue;
    // Two Accepts for one slot in one ballot could get two values chosen there.
    if (this.inflight.has(slot)) invariantBroken(`proposer ${this.proposerId}: slot ${slot} issued twice in ballot ${ballot}`);
    this.nextSlotValue = slot + 1;
    const msg: AcceptMessage = { type: MessageType.Accept, from: this.proposerId, ballot, slot, value };
    this.inflight.set(slot, { msg, votes: 0, sentAtMs: nowMs });
    this.valueBytesInFlight += value.byteLength;
    return msg;
  }

  /** An acceptor's vote for `slot`; true if it made the slot chosen (retired, and chosenBelow advanced). */
  vote(slot: number, from: NodeId): boolean {
    const inflight = this.inflight.get(slot);
    if (inflight === undefined) return false;
    inflight.votes |= this.quorum.bit(from);
    if (!this.quorum.isQuorum(inflight.votes)) return false;
    this.retire(inflight);
    this.advanceChosen();
    return true;
  }

  /** Visits the value of every slot in flight (what a retransmit still sends). */
  forEachValue(visit: (value: Value) => void): void {
    for (const slot of this.inflight.values()) visit(slot.msg.value);
  }

  /**
   * A message to `acceptor` that had waited for room in its full mailbox (held by the transport)
   * went in at `nowMs`: the acceptor reads, behind on a burst. What it has not voted for is slow,
   * not lost, and waits retransmitMs from now before it goes again: a retransmit would only queue
   * one more copy behind the first. With 4096 appends of 64 KiB in flight, Accepts waited longer
   * than 100 ms behind full mailboxes, and the leader sent about 700 a second again.
   */
  mailboxProgressed(acceptor: NodeId, nowMs: number): void {
    if (this.quorum.bit(acceptor) !== 0) this.mailboxProgressMs.set(acceptor, nowMs);
  }

  /**
   * Sends each Accept unanswered for `retransmitMs` again, to the acceptors that have not voted
   * for it and whose mailbox has not moved in that time either (see mailboxProgressed()).
   */
  retransmit(nowMs: number, retransmitMs: number, ready: Ready): void {
    for (const slot of this.inflight.values()) {
      if (nowMs - slot.sentAtMs < retransmitMs) continue;
      let resent = false;
      for (const acceptor of this.quorum.acceptors) {
        if ((slot.votes & this.quorum.bit(acceptor)) !== 0) continue;
        if (nowMs - (this.mailboxProgressMs.get(acceptor) ?? Number.NEGATIVE_INFINITY) < retransmitMs) continue;
        ready.send.push({ to: acceptor, msg: slot.msg });
        this.acceptsResent++;
        resent = true;
      }
      // One that waited for a moving mailbox is looked at again at the next tick.
      if (resent) slot.sentAtMs = nowMs;
    }
  }

  /**
   * Slots below `below` are chosen (every learner delivered them): stop chasing those in flight,
   * and issue and count chosen from `below` at the lowest. Returns whether a slot in flight was
   * retired (then advanceChosen() moves past the slots that are left).
   */
  retireBelow(below: number): boolean {
    let retired = false;
    for (const slot of this.inflight.values()) {
      if (slot.msg.slot < below) {
        this.retire(slot);
        retired = true;
      }
    }
    if (this.nextSlotValue < below) this.nextSlotValue = below;
    if (this.chosenBelowValue < below) this.chosenBelowValue = below;
    return retired;
  }

  /** chosenBelow moves up over every slot that is no longer in flight. */
  advanceChosen(): void {
    while (this.chosenBelowValue < this.nextSlotValue && !this.inflight.has(this.chosenBelowValue)) {
      this.chosenBelowValue++;
    }
    // What the heartbeats announce as chosen must be a prefix of what was issued.
    if (this.chosenBelowValue > this.nextSlotValue) invariantBroken(`proposer ${this.proposerId}: chosenBelow ${this.chosenBelowValue} above nextSlot ${this.nextSlotValue}`);
  }

  private retire(slot: InflightSlot): void {
    this.inflight.delete(slot.msg.slot);
    this.valueBytesInFlight -= slot.msg.value.byteLength;
    this.retired(slot.msg.value);
  }
}
