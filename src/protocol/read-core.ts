// The read side of a log client as pure state machines: a paged read (request a page, take the
// reply, move on or ask another learner) and a follow subscription with credit (subscribe, take
// pushes in order without gaps, grant more room as entries are consumed, re-subscribe when a
// learner went quiet). No timers, no promises, no I/O: LogClient drives them with its promises,
// timers and endpoint; the simulator drives them with simulated time.
import { LogTrimmedError } from './errors.js';
import {
  ENTRIES_PER_PAGE_MAX,
  LogMessageType,
  type CreditMessage,
  type EntriesPushMessage,
  type ReadReplyMessage,
  type ReadRequestMessage,
  type SubscribeMessage,
  type UnsubscribeMessage,
} from './wire.js';

export interface LogEntry {
  index: number;
  data: Uint8Array;
}

/**
 * Which learner a reader asks: the first, then the next each time the one asked stayed silent
 * (a learner gone for good must not stall a read while the others have the same entries).
 */
export class LearnerRotation {
  private at = 0;

  constructor(private readonly learners: readonly number[]) {}

  /** The learner to ask now. */
  get learner(): number {
    return this.learners[this.at]!;
  }

  /** More than one learner to turn to. */
  get several(): boolean {
    return this.learners.length > 1;
  }

  /** The one asked stayed silent: the next one is asked from now on. */
  next(): void {
    this.at = (this.at + 1) % this.learners.length;
  }
}

/**
 * Committed entries from `fromIndex` up to what the first answering learner had committed when it
 * answered, a page at a time. Ask with request(); hand the reply to onReply() (entries to hand
 * out), or call onSilence() when none came in time (the next request goes to the next learner).
 */
export class PagedRead {
  private nextIndex: number;
  /** End of the read, fixed by the first reply: -1 until then. */
  private end = -1;
  private readonly learners: LearnerRotation;
  private finished = false;

  constructor(fromIndex: number, learners: readonly number[]) {
    this.nextIndex = fromIndex;
    this.learners = new LearnerRotation(learners);
  }

  get done(): boolean {
    return this.finished;
  }

  /** The learner the next request goes to. */
  get learner(): number {
    return this.learners.learner;
  }

  request(from: number, requestId: number): ReadRequestMessage {
    return { type: LogMessageType.ReadRequest, from, requestId, fromIndex: this.nextIndex, countMax: ENTRIES_PER_PAGE_MAX };
  }

  /** No reply came in time: ask the next learner. */
  onSilence(): void {
    this.learners.next();
  }

  /** The entries of a reply to the last request, in order (LogTrimmedError if the log no longer starts at or below them). */
  onReply(reply: ReadReplyMessage): LogEntry[] {
    if (reply.firstIndex > this.nextIndex) throw new LogTrimmedError(this.nextIndex, reply.firstIndex);
    if (this.end < 0) this.end = reply.committed;
    const entries: LogEntry[] = [];
    for (const data of reply.entries) {
      if (this.nextIndex >= this.end) break;
      entries.push({ index: this.nextIndex++, data });
    }
    if (reply.entries.length === 0 || this.nextIndex >= this.end) this.finished = true;
    return entries;
  }
}

/** A follow reader grants the learner this many entries ahead of what it has consumed. */
export const FOLLOW_CREDIT_ENTRIES = 4096;

/**
 * Every entry from `fromIndex` on, as it commits, from one learner. subscribe() is the first
 * message (and the one to send again when the learner went quiet: a restarted learner forgot the
 * subscription); onPush() takes a push and returns the entries it adds (a re-subscription may
 * overlap what was pushed: nothing is handed out twice, and a gap is never skipped but asked
 * for again); consumed() is told each entry the reader took and answers with a Credit when the
 * learner should be allowed further.
 */
export class FollowRead {
  private nextIndex: number;
  private allowedBelow: number;
  /** A message the reader should send now (a re-subscription after a gap), taken by takeMessage(). */
  private pending: SubscribeMessage | undefined;

  constructor(
    fromIndex: number,
    private readonly from: number,
    readonly subscriptionId: number,
    private readonly creditEntries = FOLLOW_CREDIT_ENTRIES,
  ) {
    this.nextIndex = fromIndex;
    this.allowedBelow = fromIndex + creditEntries;
  }

  /** The index of the next entry to hand out. */
  get next(): number {
    return this.nextIndex;
  }

  subscribe(): SubscribeMessage {
    return { type: LogMessageType.Subscribe, from: this.from, subscriptionId: this.subscriptionId, fromIndex: this.nextIndex, allowedBelow: this.allowedBelow };
  }

  unsubscribe(): UnsubscribeMessage {
    return { type: LogMessageType.Unsubscribe, from: this.from, subscriptionId: this.subscriptionId };
  }

  /** The entries this push adds, in order; LogTrimmedError if the log was trimmed past the reader. */
  onPush(push: EntriesPushMessage): LogEntry[] {
    if (push.firstIndex > this.nextIndex) throw new LogTrimmedError(this.nextIndex, push.firstIndex);
    if (push.fromIndex > this.nextIndex) {
      // A gap (a push lost with a restarted learner): ask again from where we are.
      this.pending = this.subscribe();
      return [];
    }
    const entries: LogEntry[] = [];
    for (let i = this.nextIndex - push.fromIndex; i < push.entries.length; i++) entries.push({ index: this.nextIndex++, data: push.entries[i]! });
    return entries;
  }

  /** Protected for one reader: the simulator's deliberately broken follower, which moves on past a gap. */
  protected skipTo(index: number): void {
    this.nextIndex = index;
  }

  /** A message to send now, if onPush() asked for one. */
  takeMessage(): SubscribeMessage | undefined {
    const message = this.pending;
    this.pending = undefined;
    return message;
  }

  /** The reader took the entry at `index`; a Credit to send when the learner should be let further. */
  consumed(index: number): CreditMessage | undefined {
    if (index + 1 + this.creditEntries / 2 < this.allowedBelow) return undefined;
    this.allowedBelow = index + 1 + this.creditEntries;
    return { type: LogMessageType.Credit, from: this.from, subscriptionId: this.subscriptionId, allowedBelow: this.allowedBelow };
  }
}
