// The output sink every role writes into, in the style of etcd raft's Ready.
//
// Contract for the caller (runtime or simulator), after each call into a role:
//   1. if ready.hasPersist(), write the persist part to the acceptor's storage (persistReady),
//      and make it durable;
//   2. only then hand every envelope in ready.send to the transport;
//   3. hand ready.delivered / ready.duplicates to the application, in order;
//   4. ready.clear() before the next call.
// One Ready can be reused for every call: its lists are ReusedLists, emptied without giving up
// their storage (a JS array's `length = 0` gives it up), which keeps the Accept hot path free of
// per-call allocation. Several roles of one node may share a
// Ready as long as the caller drains it between calls.

import { NO_BALLOT } from './ballot.js';
import type { Ballot } from './ballot.js';
import type { NodeId } from './ids.js';
import type { AcceptedEntry, Message } from './messages.js';
import type { Command } from './value.js';
import { ReusedList } from '../util/reused-list.js';

export interface Envelope {
  readonly to: NodeId;
  readonly msg: Message;
}

/**
 * One command handed to the application, exactly once, in log order. A Ready reuses its delivery
 * objects once cleared (a learner makes one per command, and at 256 commands a slot they were
 * most of what it allocated): read it before ready.clear(), and copy what you keep.
 */
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
  readonly send = new ReusedList<Envelope>();
  /** Acceptor promise to persist before sending, or NO_BALLOT if unchanged. */
  promised: Ballot = NO_BALLOT;
  /** Acceptor accepted entries to persist before sending, in order. */
  readonly accepted = new ReusedList<AcceptedEntry>();
  /** Acceptor may drop every slot below this (0: nothing to drop). Not needed before sending. */
  truncateBelow = 0;
  readonly delivered = new ReusedList<Delivery>();
  readonly duplicates = new ReusedList<DuplicateDelivery>();
  /** Delivery objects for reuse: delivered[i] is deliveryPool[i] when deliver() made it. */
  private readonly deliveryPool: PooledDelivery[] = [];

  /** Adds a delivery, reusing an object of an earlier (cleared) round: valid until clear(). */
  deliver(slot: number, indexInBatch: number, logIndex: number, clientId: number, seq: number, count: number, value: Uint8Array, dataAt: number, dataBytes: number): void {
    const at = this.delivered.length;
    let delivery = this.deliveryPool[at];
    if (delivery === undefined) {
      delivery = new PooledDelivery();
      this.deliveryPool[at] = delivery;
    }
    delivery.slot = slot;
    delivery.indexInBatch = indexInBatch;
    delivery.logIndex = logIndex;
    const command = delivery.command;
    command.clientId = clientId;
    command.seq = seq;
    command.count = count;
    command.source = value;
    command.dataAt = dataAt;
    command.dataBytes = dataBytes;
    command.dataView = undefined;
    this.delivered.push(delivery);
  }

  hasPersist(): boolean {
    return this.promised !== NO_BALLOT || this.accepted.length > 0 || this.truncateBelow > 0;
  }

  clear(): void {
    this.send.clear();
    this.promised = NO_BALLOT;
    this.accepted.clear();
    this.truncateBelow = 0;
    // Pooled deliveries keep their objects; their values go, so a cleared Ready pins none.
    for (let i = 0; i < this.delivered.length; i++) {
      if (this.deliveryPool[i] !== this.delivered.get(i)) continue;
      const command = this.deliveryPool[i]!.command;
      command.source = NO_DATA;
      command.dataView = undefined;
    }
    this.delivered.clear();
    this.duplicates.clear();
    // A catch-up may deliver many slots in one step: what it pooled beyond a steady load's need goes.
    if (this.deliveryPool.length > DELIVERY_POOL_MAX) this.deliveryPool.length = DELIVERY_POOL_MAX;
  }
}

/** Delivery objects a Ready keeps for reuse, at most: 16 slots of 256 commands. */
const DELIVERY_POOL_MAX = 4096;

const NO_DATA = new Uint8Array(0);

/**
 * A delivered command, pointing into its slot's value: `data` is made (a view) only when read, so
 * a consumer that copies the bytes from source[dataAt, dataAt + dataBytes) itself allocates
 * nothing per command (LearnerLog does).
 */
export class DeliveredCommand implements Command {
  clientId = 0;
  seq = 0;
  count = 1;
  source: Uint8Array = NO_DATA;
  dataAt = 0;
  dataBytes = 0;
  /** The view `data` made, if it was read. */
  dataView: Uint8Array | undefined = undefined;

  get data(): Uint8Array {
    return (this.dataView ??= this.source.subarray(this.dataAt, this.dataAt + this.dataBytes));
  }
}

class PooledDelivery implements Delivery {
  slot = 0;
  indexInBatch = 0;
  logIndex = 0;
  readonly command = new DeliveredCommand();
}
