// The output sink every role writes into, in the style of etcd raft's Ready.
//
// Contract for the caller (runtime or simulator), after each call into a role:
//   1. if ready.hasPersist(), write the persist part to the acceptor's storage (persistReady),
//      and make it durable;
//   2. only then hand every envelope in ready.send to the transport;
//   3. hand ready.delivered / ready.duplicates to the application, in order;
//   4. ready.clear() before the next call.
// One Ready can be reused for every call (arrays are truncated, not reallocated), which keeps
// the Accept hot path free of per-call array allocation. Several roles of one node may share a
// Ready as long as the caller drains it between calls.

import { NO_BALLOT } from './ballot.js';
import type { Ballot } from './ballot.js';
import type { NodeId } from './ids.js';
import type { AcceptedEntry, Message } from './messages.js';
import type { Command } from './value.js';

export interface Envelope {
  readonly to: NodeId;
  readonly msg: Message;
}

/** One command handed to the application, exactly once, in log order. */
export interface Delivery {
  readonly slot: number;
  /** Position of the command inside its slot's batch. */
  readonly indexInBatch: number;
  /** Dense 0-based position among all delivered commands (no-ops and duplicates take none). */
  readonly logIndex: number;
  readonly command: Command;
}

/** A retried command that was already delivered: the application should re-acknowledge it. */
export interface DuplicateDelivery {
  readonly slot: number;
  readonly clientId: number;
  readonly seq: number;
  /** Where the command was delivered the first time. */
  readonly logIndex: number;
}

export class Ready {
  readonly send: Envelope[] = [];
  /** Acceptor promise to persist before sending, or NO_BALLOT if unchanged. */
  promised: Ballot = NO_BALLOT;
  /** Acceptor accepted entries to persist before sending, in order. */
  readonly accepted: AcceptedEntry[] = [];
  /** Acceptor may drop every slot below this (0: nothing to drop). Not needed before sending. */
  truncateBelow = 0;
  readonly delivered: Delivery[] = [];
  readonly duplicates: DuplicateDelivery[] = [];

  hasPersist(): boolean {
    return this.promised !== NO_BALLOT || this.accepted.length > 0 || this.truncateBelow > 0;
  }

  clear(): void {
    this.send.length = 0;
    this.promised = NO_BALLOT;
    this.accepted.length = 0;
    this.truncateBelow = 0;
    this.delivered.length = 0;
    this.duplicates.length = 0;
  }
}
