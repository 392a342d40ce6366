// Acceptor storage: what an acceptor must never forget. A crash loses the Acceptor object;
// a restart builds a new one from storage.load(). The acceptor never calls storage itself
// (it does no I/O): it lists what to persist in its Ready, and the caller writes it before
// any reply leaves (persistReady).

import { NO_BALLOT } from './ballot.js';
import type { Ballot } from './ballot.js';
import type { AcceptedEntry } from './messages.js';
import type { Ready } from './ready.js';

export interface AcceptorDurableState {
  readonly promised: Ballot;
  /** Slots below this were dropped after every learner delivered them. */
  readonly logStart: number;
  /** Latest accepted (ballot, value) per slot >= logStart, any order. */
  readonly entries: readonly AcceptedEntry[];
}

export interface AcceptorStorage {
  load(): AcceptorDurableState;
  savePromise(ballot: Ballot): void;
  /** Replaces any earlier entry for the same slot. */
  saveAccepted(entry: AcceptedEntry): void;
  /** Drop every slot below `slot`; a no-op if already dropped. */
  truncateBelow(slot: number): void;
}

/** Write a Ready's persist part. Call before sending ready.send. */
export function persistReady(storage: AcceptorStorage, ready: Ready): void {
  if (ready.promised !== NO_BALLOT) storage.savePromise(ready.promised);
  for (let i = 0; i < ready.accepted.length; i++) storage.saveAccepted(ready.accepted.get(i));
  if (ready.truncateBelow > 0) storage.truncateBelow(ready.truncateBelow);
}

export const EMPTY_ACCEPTOR_STATE: AcceptorDurableState = Object.freeze({
  promised: NO_BALLOT,
  logStart: 0,
  entries: Object.freeze([]) as readonly AcceptedEntry[],
});

/** In-memory storage: survives a simulated crash because the simulator keeps this object. */
export class MemoryAcceptorStorage implements AcceptorStorage {
  promised: Ballot = NO_BALLOT;
  logStart = 0;
  readonly entries = new Map<number, AcceptedEntry>();
  /** Count of write calls, for tests and metrics. */
  writes = 0;

  load(): AcceptorDurableState {
    return { promised: this.promised, logStart: this.logStart, entries: [...this.entries.values()] };
  }

  savePromise(ballot: Ballot): void {
    this.writes++;
    // A promise only ever rises; a lower write would be a caller bug, so keep the higher one.
    if (ballot > this.promised) this.promised = ballot;
  }

  saveAccepted(entry: AcceptedEntry): void {
    this.writes++;
    if (entry.slot >= this.logStart) this.entries.set(entry.slot, entry);
  }

  truncateBelow(slot: number): void {
    this.writes++;
    if (slot <= this.logStart) return;
    for (const key of this.entries.keys()) if (key < slot) this.entries.delete(key);
    this.logStart = slot;
  }
}
