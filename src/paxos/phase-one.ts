// A candidate's phase 1: the Promises of one campaign, counted per acceptor once all the parts of
// its Promise are in, and what they carry merged (per slot, the entry with the highest ballot) so
// a new leader knows what to re-propose. Entries of any part are merged at once: the acceptor
// promised this ballot before it sent any part.
import type { NodeId } from './ids.js';
import type { AcceptedEntry, PromiseMessage } from './messages.js';
import type { Quorum } from './quorum.js';
import type { Value } from './value.js';

export class PhaseOne {
  /** Acceptors whose whole Promise is in, as quorum bits. */
  private votesValue = 0;
  /** The highest logStart any Promise named: slots below it were delivered by every learner. */
  private logStartValue = 0;
  /** Parts of each acceptor's Promise received so far (a Promise counts once all its parts are in). */
  private readonly parts = new Map<NodeId, Set<number>>();
  /** Per slot, the accepted entry with the highest ballot any Promise carried. */
  readonly recovered = new Map<number, AcceptedEntry>();
  /** When the Prepares last went out (they are sent again to the silent after a retransmit timeout). */
  sentAtMs = 0;

  constructor(private readonly quorum: Quorum) {}

  /** Acceptors whose whole Promise is in, as quorum bits (a Prepare resent skips them). */
  get votes(): number {
    return this.votesValue;
  }

  get logStart(): number {
    return this.logStartValue;
  }

  /** A new campaign: nothing promised, nothing recovered. */
  reset(): void {
    this.votesValue = 0;
    this.logStartValue = 0;
    this.parts.clear();
    this.clearRecovered();
  }

  /** Takes a Promise (or one part of it) for this campaign's ballot; true once a majority's Promises are all in. */
  onPromise(msg: PromiseMessage): boolean {
    const bit = this.quorum.bit(msg.from);
    if (bit === 0 || (this.votesValue & bit) !== 0) return false;
    if (msg.logStart > this.logStartValue) this.logStartValue = msg.logStart;
    for (const entry of msg.entries) {
      const known = this.recovered.get(entry.slot);
      if (known === undefined || entry.ballot > known.ballot) this.recovered.set(entry.slot, entry);
    }
    if (msg.parts > 1) {
      let parts = this.parts.get(msg.from);
      if (parts === undefined) this.parts.set(msg.from, (parts = new Set()));
      parts.add(msg.part);
      if (parts.size < msg.parts) return false;
      this.parts.delete(msg.from);
    }
    this.votesValue |= bit;
    return this.quorum.isQuorum(this.votesValue);
  }

  /** Drops what was recovered below `below` (chosen: every learner delivered it). */
  forgetBelow(below: number): void {
    for (const slot of this.recovered.keys()) if (slot < below) this.recovered.delete(slot);
  }

  /** A new leader's recovery starts at `start`: drops what lies below it and returns the slot after the last recovered one (at least `start`). */
  recoveryEndFrom(start: number): number {
    this.forgetBelow(start);
    let end = start;
    for (const slot of this.recovered.keys()) if (slot + 1 > end) end = slot + 1;
    return end;
  }

  /** The value to re-propose at `slot` (undefined: a hole, for a no-op), taken out of what was recovered. */
  takeRecovered(slot: number): Value | undefined {
    const entry = this.recovered.get(slot);
    if (entry !== undefined) this.recovered.delete(slot);
    return entry?.value;
  }

  /** Leadership lost or a new campaign coming: nothing recovered is ours to re-propose. */
  clearRecovered(): void {
    this.recovered.clear();
  }
}
