// The read side of a learner: reads, follow subscriptions and trims, served from its LearnerLog.
// The learner actor (and the simulator's learners) hand it the client messages the learner does
// not handle itself, and call afterRelease() once a batch's deliveries are durable and acknowledged.
import { isStorageError, reportStorageFailure, type LearnerLog } from '../storage/index.js';
import { PAGE_ENTRY_OVERHEAD_BYTES, type LogLimits } from './limits.js';
import type { ReadBarrier } from './read-barrier.js';
import {
  ENTRIES_PER_PAGE_MAX,
  LogMessageType,
  type CreditMessage,
  type EntriesPushMessage,
  type ReadReplyMessage,
  type ReadRequestMessage,
  type SubscribeMessage,
  type TrimMessage,
  type TrimReplyMessage,
  type UnsubscribeMessage,
} from './wire.js';

/** Actor ids, as the runtime and the simulator number their roles and clients. */
type ActorId = number;

/** Where replies go: `send` may refuse (a full mailbox: false); `courier` holds them until there is room. */
export interface ReadsTransport {
  readonly id: ActorId;
  send(to: ActorId, message: unknown): boolean;
}
export interface HeldTransport {
  send(to: ActorId, message: unknown): void;
}

/** A sequencer's learner compacts its store (to numbering and sessions) past this size. */
const NUMBERING_COMPACT_BYTES = 1024 * 1024;

interface Subscription {
  readonly endpoint: ActorId;
  readonly id: number;
  /** Next index to push. */
  cursor: number;
  allowedBelow: number;
}

export class LearnerReads {
  /** Reads that arrived before this learner had delivered what was acknowledged elsewhere. */
  private readonly heldReads: Array<{ from: ActorId; request: ReadRequestMessage; barrier: number }> = [];
  private readonly subscriptions = new Map<string, Subscription>();
  /** Highest trim asked for: a learner behind it trims the rest once it has delivered that far. */
  private trimGoal = 0;
  /** The disk error of the last trim whose compacted copy could not be written; cleared when one goes through. */
  private trimFailure: (NodeJS.ErrnoException & { code: string }) | undefined;
  /** Data bytes of one ReadReply or EntriesPush, leaving room for every entry's overhead. */
  private readonly pageDataBytesMax: number;

  constructor(
    private readonly log: LearnerLog,
    private readonly context: ReadsTransport,
    private readonly courier: HeldTransport,
    private readonly barrier: ReadBarrier,
    limits: LogLimits,
    private readonly retainEntries: boolean,
    /** Told where the log starts after each trim, before the trim is confirmed (first-indexes.ts). */
    private readonly trimmed: (firstIndex: number) => void = () => undefined,
  ) {
    this.pageDataBytesMax = limits.pageBytesMax - ENTRIES_PER_PAGE_MAX * PAGE_ENTRY_OVERHEAD_BYTES;
  }

  /** Forgets the held reads and subscriptions of a released endpoint (its id may go to another endpoint next). */
  forgetPeer(endpoint: ActorId): void {
    for (const [key, subscription] of this.subscriptions) if (subscription.endpoint === endpoint) this.subscriptions.delete(key);
    const heldReads = this.heldReads;
    let kept = 0;
    for (const held of heldReads) if (held.from !== endpoint) heldReads[kept++] = held;
    heldReads.length = kept;
  }

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  /** Handles a read, subscription or trim message; false if `message` is none of those. */
  onClientMessage(from: ActorId, message: { type: number }): boolean {
    switch (message.type) {
      case LogMessageType.ReadRequest: {
        const request = message as ReadRequestMessage;
        const needed = this.barrier.barrier();
        // Behind what another learner acknowledged: hold the read until caught up (the client
        // asks another learner if this takes too long).
        if (this.log.length < needed) this.heldReads.push({ from, request, barrier: needed });
        else this.answerRead(from, request);
        return true;
      }
      case LogMessageType.Subscribe: {
        const subscribe = message as SubscribeMessage;
        this.subscriptions.set(`${from}/${subscribe.subscriptionId}`, {
          endpoint: from,
          id: subscribe.subscriptionId,
          cursor: subscribe.fromIndex,
          allowedBelow: subscribe.allowedBelow,
        });
        this.pushSubscriptions();
        return true;
      }
      case LogMessageType.Credit: {
        const credit = message as CreditMessage;
        const subscription = this.subscriptions.get(`${from}/${credit.subscriptionId}`);
        if (subscription !== undefined) subscription.allowedBelow = Math.max(subscription.allowedBelow, credit.allowedBelow);
        this.pushSubscriptions();
        return true;
      }
      case LogMessageType.Trim: {
        const trim = message as TrimMessage;
        // Never past what some learner has published: a goal beyond the log's end would drop
        // entries appended later (the client refuses such a trim already; this holds regardless).
        const goal = Math.min(trim.beforeIndex, this.barrier.highest());
        if (goal > this.trimGoal) this.trimGoal = goal;
        if (this.retainEntries) this.applyTrim();
        const firstIndex = this.log.firstIndex;
        // Failed short of the goal: the client hears why (the goal stays, and is tried again at the next write).
        const failure = this.trimFailure !== undefined && firstIndex < goal ? reportStorageFailure(this.trimFailure) : undefined;
        const reply: TrimReplyMessage = { type: LogMessageType.TrimReply, from: this.context.id, requestId: trim.requestId, firstIndex, ...(failure === undefined ? {} : { failure }) };
        this.courier.send(from, reply);
        return true;
      }
      case LogMessageType.Unsubscribe:
        this.subscriptions.delete(`${from}/${(message as UnsubscribeMessage).subscriptionId}`);
        return true;
      default:
        return false;
    }
  }

  /** After a batch is durable and acknowledged: pending trims, held reads, pushes. */
  afterRelease(): void {
    const log = this.log;
    if (this.trimGoal > log.firstIndex && log.length >= this.trimGoal) this.applyTrim();
    // A log that keeps no entries (a sequencer's) only needs its numbering and sessions: compact
    // it once its records pile up, so a long-running sequencer's store stays small.
    if (!this.retainEntries && log.store.sizeBytes > NUMBERING_COMPACT_BYTES) {
      this.trimGoal = log.length;
      this.applyTrim();
    }
    this.answerHeldReads();
    this.pushSubscriptions();
  }

  private answerRead(from: ActorId, request: ReadRequestMessage): void {
    const log = this.log;
    // Up to what some learner has published, not what this one has recorded but not yet synced:
    // every entry a read returns is then below log.bounds().nextIndex, so a reader may always
    // trim up to the entry after the last one it read.
    const committed = Math.min(log.length, this.barrier.highest());
    const fromIndex = Math.min(request.fromIndex, committed);
    const reply: ReadReplyMessage = {
      type: LogMessageType.ReadReply,
      from: this.context.id,
      requestId: request.requestId,
      fromIndex,
      entries: this.page(fromIndex, Math.min(request.countMax, ENTRIES_PER_PAGE_MAX, committed - fromIndex)),
      committed,
      firstIndex: log.firstIndex,
    };
    this.courier.send(from, reply);
  }

  private answerHeldReads(): void {
    const heldReads = this.heldReads;
    if (heldReads.length === 0) return;
    let kept = 0;
    for (const held of heldReads) {
      if (this.log.length >= held.barrier) this.answerRead(held.from, held.request);
      else heldReads[kept++] = held;
    }
    heldReads.length = kept;
  }

  /** Entries from `from` for one ReadReply or EntriesPush: at most countMax, and within the page's bytes (always one, if any). */
  private page(from: number, countMax: number): Uint8Array[] {
    const log = this.log;
    return from < log.firstIndex || from >= log.length ? [] : log.entriesWithin(from, countMax, this.pageDataBytesMax);
  }

  private applyTrim(): void {
    const below = Math.min(this.trimGoal, this.log.length);
    if (below <= this.log.firstIndex) return;
    // Trimming writes a compacted copy; a disk too full for it leaves the log as it was, and the
    // next release tries again.
    try {
      this.log.trim(below);
      this.trimFailure = undefined;
    } catch (error) {
      if (!isStorageError(error)) throw error;
      this.trimFailure = error;
    }
    this.trimmed(this.log.firstIndex);
  }

  private pushSubscriptions(): void {
    const log = this.log;
    const context = this.context;
    // As for reads (answerRead): only what some learner has published, even when a Subscribe or
    // Credit arrives between recording a batch and syncing it.
    const end = Math.min(log.length, this.barrier.highest());
    for (const subscription of this.subscriptions.values()) {
      if (subscription.cursor < log.firstIndex) {
        // Trimmed under the reader: tell it once, and forget the subscription.
        const push: EntriesPushMessage = {
          type: LogMessageType.EntriesPush,
          from: context.id,
          subscriptionId: subscription.id,
          fromIndex: subscription.cursor,
          entries: [],
          firstIndex: log.firstIndex,
        };
        if (context.send(subscription.endpoint, push)) this.subscriptions.delete(`${subscription.endpoint}/${subscription.id}`);
        continue;
      }
      while (subscription.cursor < end && subscription.cursor < subscription.allowedBelow) {
        const entries = this.page(subscription.cursor, Math.min(ENTRIES_PER_PAGE_MAX, Math.min(subscription.allowedBelow, end) - subscription.cursor));
        const push: EntriesPushMessage = {
          type: LogMessageType.EntriesPush,
          from: context.id,
          subscriptionId: subscription.id,
          fromIndex: subscription.cursor,
          entries,
          firstIndex: log.firstIndex,
        };
        // No queueing for pushes: a full mailbox means a slow reader, and the cursor waits for the next turn.
        if (!context.send(subscription.endpoint, push)) break;
        subscription.cursor += entries.length;
      }
    }
  }
}
