import type { Endpoint } from '../actors/index.js';
import { MessageType, type ClientReplyMessage, type RedirectMessage } from '../paxos/index.js';
import { storageErrorOf } from '../storage/index.js';
import { AbortError, AppendTimeoutError, EntryTooLargeError, LogClosedError, LogTrimmedError, TrimTimeoutError } from './errors.js';
import type { ClusterLayout } from './actors/layout.js';
import { CommandBatchWriter } from './command-batch.js';
import {
  ENTRIES_PER_PAGE_MAX,
  LogMessageType,
  clientIdOf,
  type ClientReplyBatchMessage,
  type ClientRequestBatchMessage,
  type NewLeaderMessage,
  type CreditMessage,
  type EntriesPushMessage,
  type ReadReplyMessage,
  type ReadRequestMessage,
  type SubscribeMessage,
  type TrimMessage,
  type StorageFailureMessage,
  type TrimReplyMessage,
  type UnsubscribeMessage,
} from './wire.js';

export interface LogEntry {
  index: number;
  data: Uint8Array;
}

export interface ClientOptions {
  /** Which opening of the storage this is (0 in memory): part of every client id. */
  incarnation: number;
  entryBytesMax: number;
  inflightAppendsMax: number;
  appendTimeoutMs: number;
  /** Resend an unanswered append (to the next proposer) after this long. */
  resendAfterMs: number;
  /** Encoded commands per ClientRequestBatch (LogLimits.requestBatchBytesMax). */
  requestBatchBytesMax: number;
}

/**
 * One Int32 shared by the log's owner and every thread connected through a handle: the owner
 * sets it when it closes the log, and every client sees it within a sweep (10 ms), so work in
 * flight on any thread settles with LogClosedError at once instead of waiting out its timeout.
 */
export function createClosedFlag(): SharedArrayBuffer {
  return new SharedArrayBuffer(4);
}

export function markClosed(flag: SharedArrayBuffer): void {
  Atomics.store(new Int32Array(flag), 0, 1);
}

export function isMarkedClosed(flag: SharedArrayBuffer): boolean {
  return Atomics.load(new Int32Array(flag), 0) === 1;
}

/** Handed to a follow reader's push handler when the client closes: the reader ends with LogClosedError. */
const CLOSED_PUSH = Object.freeze({ closed: true }) as unknown as EntriesPushMessage;

interface PendingAppend {
  /** The command, written into a ClientRequestBatch each time it is sent (again on a retry). */
  readonly clientId: number;
  readonly seq: number;
  readonly count: number;
  readonly data: Uint8Array;
  readonly session: number;
  readonly startedMs: number;
  sentMs: number;
  target: number;
  resolve(index: number): void;
  reject(error: Error): void;
}

const NO_DATA = new Uint8Array(0);
/** Most indexes one reserve() takes. */
export const RESERVE_COUNT_MAX = 65_536;

/** How long appends may still commit after a role reported a disk failure before they fail with it, in ms. */
const STORAGE_FAILURE_GRACE_MS = 250;
/** A failure no role has reported again for this long is over (roles repeat reports every 100 ms while it lasts). */
const STORAGE_FAILURE_STALE_MS = 1000;
/** How often the client looks for appends to resend or time out, in ms. */
const SWEEP_INTERVAL_MS = 10;
/** A follow reader grants the learner this many entries ahead of what it has consumed. */
const FOLLOW_CREDIT_ENTRIES = 4096;
/** A follow reader that hears nothing re-subscribes this often (a restarted learner forgot it). */
const FOLLOW_RESUBSCRIBE_MS = 500;
/** A page read unanswered this long is asked again of the next learner. */
const READ_RETRY_MS = 500;

/**
 * The client side of a replicated log on one thread: appends with exactly-once retries, and reads.
 *
 * Exactly once across retries: each append runs in a session (client id = endpoint id and a
 * session number) with the next sequence number of that session, and the learners deliver a
 * (client id, seq) once however often it was proposed. A session has one append in flight at a
 * time, which is what the learner's duplicate check assumes, so the number of sessions bounds
 * the appends in flight (inflightAppendsMax): further appends wait for a free session.
 * A session whose append was given up on (timed out, aborted, failed by the disk) is reused with
 * its next sequence number: the abandoned command may still commit, before the next one or never
 * (a learner that delivered seq n+1 drops a late seq n as old), but it can never be confused
 * with it. Session numbers therefore stay below inflightAppendsMax (< 2^16), and client ids,
 * which pack the session into 16 bits beside the endpoint id, can never run into another
 * endpoint's however many appends are abandoned.
 */
export class LogClient {
  private readonly pending = new Map<number, PendingAppend>();
  private readonly freeSessions: number[] = [];
  private readonly sessionSeq: number[] = [];
  private nextSessionNumber = 0;
  private readonly sessionWaiters: Array<(session: number) => void> = [];
  private leaderGuess: number;
  private readonly readWaiters = new Map<number, (reply: ReadReplyMessage | undefined) => void>();
  private readonly trimWaiters = new Map<number, (reply: TrimReplyMessage | undefined) => void>();
  private readonly subscriptions = new Map<number, (push: EntriesPushMessage) => void>();
  private nextRequestId = 1;
  /** Commands to send per proposer at the end of this turn of the event loop, already encoded. */
  private readonly outgoing = new Map<number, CommandBatchWriter>();
  private flushScheduled = false;
  private readonly sweepTimer: NodeJS.Timeout;
  private closed = false;
  private readonly closedWord: Int32Array;
  /** Disk failures roles are reporting (each repeats its report while it lasts): since when, and the latest. */
  private storageFailure: { failure: StorageFailureMessage; sinceMs: number; lastMs: number } | undefined;

  constructor(
    private readonly endpoint: Endpoint,
    private readonly layout: ClusterLayout,
    private readonly options: ClientOptions,
    closedFlag: SharedArrayBuffer,
  ) {
    this.closedWord = new Int32Array(closedFlag);
    this.leaderGuess = layout.proposers[0]!;
    endpoint.listen((from, message) => this.onMessage(from, message as { type: number }));
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  /**
   * Waiting on mailboxes (Atomics.waitAsync) does not keep a thread alive, so the sweep timer does
   * while anything is outstanding: a worker awaiting an append must not exit under it. Idle, the
   * client holds nothing open.
   */
  private holdThreadOpen(): void {
    const busy =
      this.pending.size > 0 || this.sessionWaiters.length > 0 || this.readWaiters.size > 0 || this.subscriptions.size > 0 || this.trimWaiters.size > 0;
    if (busy) this.sweepTimer.ref();
    else this.sweepTimer.unref();
  }

  append(data: Uint8Array, signal?: AbortSignal): Promise<number> {
    if (this.isClosed()) return Promise.reject(new LogClosedError());
    if (!(data instanceof Uint8Array)) return Promise.reject(new TypeError(`append takes a Uint8Array, got ${describe(data)}`));
    if (data.byteLength > this.options.entryBytesMax) return Promise.reject(new EntryTooLargeError(data.byteLength, this.options.entryBytesMax));
    if (signal !== undefined && !(signal instanceof AbortSignal)) return Promise.reject(new TypeError(`append's signal must be an AbortSignal, got ${describe(signal)}`));
    if (signal?.aborted) return Promise.reject(new AbortError('append-unsent', signal.reason));
    return this.submit(data, 1, signal);
  }

  /** One command that takes `count` consecutive log indexes (empty entries); resolves to the first. */
  reserve(count: number): Promise<number> {
    if (this.isClosed()) return Promise.reject(new LogClosedError());
    if (!Number.isInteger(count) || count < 1 || count > RESERVE_COUNT_MAX) {
      return Promise.reject(new RangeError(`reserve count must be an integer from 1 to ${RESERVE_COUNT_MAX}, got ${String(count)}`));
    }
    return this.submit(NO_DATA, count);
  }

  private submit(data: Uint8Array, count: number, signal?: AbortSignal): Promise<number> {
    return new Promise<number>((resolveAppend, rejectAppend) => {
      let pending: PendingAppend | undefined;
      const onAbort = (): void => {
        if (pending === undefined) {
          // Still waiting for a session: never sent, so it cannot commit.
          const at = this.sessionWaiters.indexOf(start);
          if (at >= 0) this.sessionWaiters.splice(at, 1);
          reject(new AbortError('append-unsent', signal!.reason));
        } else {
          // Sent: like a timeout, its outcome is unknown.
          if (this.pending.get(pending.clientId) === pending) this.abandon(pending);
          reject(new AbortError('append-sent', signal!.reason));
        }
        this.holdThreadOpen();
      };
      const resolve = (index: number): void => {
        signal?.removeEventListener('abort', onAbort);
        resolveAppend(index);
      };
      const reject = (error: Error): void => {
        signal?.removeEventListener('abort', onAbort);
        rejectAppend(error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const start = (session: number): void => {
        if (this.closed) {
          reject(new LogClosedError());
          return;
        }
        const seq = (this.sessionSeq[session] = (this.sessionSeq[session] ?? 0) + 1);
        const clientId = clientIdOf(this.options.incarnation, this.endpoint.id, session);
        const now = performance.now();
        pending = { clientId, seq, count, data, session, startedMs: now, sentMs: now, target: this.leaderGuess, resolve, reject };
        this.pending.set(clientId, pending);
        this.holdThreadOpen();
        this.request(pending.target, pending);
      };
      const session = this.takeSession();
      if (session >= 0) start(session);
      else {
        this.sessionWaiters.push(start);
        this.holdThreadOpen();
      }
    });
  }

  /** Committed entries from `fromIndex`: up to what is committed when the read starts, or on and on with `follow`. */
  async *read(fromIndex: number, follow: boolean, signal?: AbortSignal): AsyncGenerator<LogEntry, void, undefined> {
    if (this.isClosed()) throw new LogClosedError();
    if (signal?.aborted) throw new AbortError('read', signal.reason);
    if (follow) {
      yield* this.follow(fromIndex, signal);
      return;
    }
    let next = fromIndex;
    let end = -1;
    let learnerAt = 0;
    while (end < 0 || next < end) {
      const reply = await this.readPage(next, learnerAt, signal);
      if (reply === undefined) {
        learnerAt = (learnerAt + 1) % this.layout.learners.length;
        continue;
      }
      if (reply.firstIndex > next) throw new LogTrimmedError(next, reply.firstIndex);
      if (end < 0) end = reply.committed;
      if (reply.entries.length === 0) break;
      for (const data of reply.entries) {
        if (next >= end) break;
        if (signal?.aborted) throw new AbortError('read', signal.reason);
        yield { index: next++, data };
      }
    }
  }

  /**
   * Asks every learner to release the entries below `beforeIndex` (each as far as it has them);
   * resolves to the index the log now starts at (the lowest over the learners) once all confirmed.
   */
  async trim(beforeIndex: number): Promise<number> {
    if (this.isClosed()) throw new LogClosedError();
    const deadline = performance.now() + this.options.appendTimeoutMs;
    const waiting = new Set(this.layout.learners);
    let firstIndex = Number.POSITIVE_INFINITY;
    while (waiting.size > 0) {
      if (performance.now() >= deadline) throw new TrimTimeoutError(beforeIndex, this.options.appendTimeoutMs);
      const requestId = this.nextRequestId++;
      const replies = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, READ_RETRY_MS);
        this.trimWaiters.set(requestId, (reply) => {
          if (reply === undefined) {
            clearTimeout(timer);
            resolve();
            return;
          }
          if (!waiting.delete(reply.from)) return;
          firstIndex = Math.min(firstIndex, reply.firstIndex);
          if (waiting.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      this.holdThreadOpen();
      const request: TrimMessage = { type: LogMessageType.Trim, from: this.endpoint.id, requestId, beforeIndex };
      for (const learner of waiting) this.send(learner, request);
      await replies;
      this.trimWaiters.delete(requestId);
      this.holdThreadOpen();
      if (this.closed) throw new LogClosedError();
    }
    return firstIndex;
  }

  /** Closed here, or by the log's owner on another thread (which this notices and acts on now). */
  private isClosed(): boolean {
    if (!this.closed && Atomics.load(this.closedWord, 0) === 1) this.close();
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweepTimer);
    const error = new LogClosedError();
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    for (const waiter of this.sessionWaiters.splice(0)) waiter(-1);
    // Readers, followers and trims waiting for a learner wake now and see the client closed.
    for (const waiter of [...this.readWaiters.values()]) waiter(undefined);
    this.readWaiters.clear();
    for (const onPush of [...this.subscriptions.values()]) onPush(CLOSED_PUSH);
    for (const waiter of [...this.trimWaiters.values()]) waiter(undefined);
    this.trimWaiters.clear();
    this.endpoint.close();
  }

  // ---- internals ----

  private takeSession(): number {
    const free = this.freeSessions.pop();
    if (free !== undefined) return free;
    if (this.pending.size + this.sessionWaiters.length >= this.options.inflightAppendsMax) return -1;
    return this.nextSessionNumber++;
  }

  /** Gives up on a sent append (its outcome unknown); its session goes on with its next seq. */
  private abandon(pending: PendingAppend): void {
    this.pending.delete(pending.clientId);
    this.releaseSession(pending.session);
    this.holdThreadOpen();
  }

  private releaseSession(session: number): void {
    const waiter = this.sessionWaiters.shift();
    if (waiter !== undefined) waiter(session);
    else this.freeSessions.push(session);
  }

  /** Queues a command for `proposer`; everything queued in this turn goes out as one batch. */
  private request(proposer: number, pending: PendingAppend): void {
    let writer = this.outgoing.get(proposer);
    if (writer === undefined) this.outgoing.set(proposer, (writer = new CommandBatchWriter(this.options.requestBatchBytesMax)));
    writer.add(pending.clientId, pending.seq, pending.count, pending.data);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flushRequests);
    }
  }

  private readonly flushRequests = (): void => {
    this.flushScheduled = false;
    for (const [proposer, writer] of this.outgoing) {
      if (writer.isEmpty) continue;
      writer.drain((commands) => {
        const batch: ClientRequestBatchMessage = { type: LogMessageType.ClientRequestBatch, from: this.endpoint.id, commands };
        this.send(proposer, batch);
      });
    }
  };

  private send(to: number, message: unknown): void {
    if (this.closed || this.endpoint.send(to, message)) return;
    // A full mailbox (a burst of large entries): wait for room rather than drop it, which would
    // cost a resend timeout. A reader that never frees room (a dead proposer) is given up on by the
    // same timeout, and the sweep resends elsewhere. The message is encoded before this returns.
    this.endpoint.sendAsync(to, message, this.options.resendAfterMs).catch(() => {});
  }

  private onMessage(_from: number, message: { type: number }): void {
    switch (message.type) {
      case LogMessageType.ClientReplyBatch: {
        const { replies } = message as ClientReplyBatchMessage;
        for (let at = 0; at + 2 < replies.length; at += 3) this.acknowledged(replies[at]!, replies[at + 1]!, replies[at + 2]!);
        this.holdThreadOpen();
        return;
      }
      case MessageType.ClientReply: {
        const reply = message as ClientReplyMessage;
        this.acknowledged(reply.clientId, reply.seq, reply.logIndex);
        this.holdThreadOpen();
        return;
      }
      case MessageType.Redirect: {
        const redirect = message as RedirectMessage;
        const pending = this.pending.get(redirect.clientId);
        if (pending === undefined || pending.seq !== redirect.seq) return;
        // Follow the hint unless it points back where we just were; without one, try the next proposer.
        const hint = redirect.leaderHint;
        const next = hint >= 0 && hint !== pending.target ? hint : this.nextProposer(pending.target);
        this.leaderGuess = next;
        pending.target = next;
        if (hint >= 0 && hint !== redirect.from) {
          pending.sentMs = performance.now();
          this.request(next, pending);
        } else {
          // Nobody leads yet: leave it to the sweep, after a short wait, rather than spin on redirects.
          pending.sentMs = performance.now() - this.options.resendAfterMs + SWEEP_INTERVAL_MS;
        }
        return;
      }
      case LogMessageType.NewLeader: {
        // Everything waiting goes to the new leader now; learners deliver each (client, seq) once.
        this.leaderGuess = (message as NewLeaderMessage).from;
        const now = performance.now();
        for (const pending of this.pending.values()) {
          pending.target = this.leaderGuess;
          pending.sentMs = now;
          this.request(pending.target, pending);
        }
        return;
      }
      case LogMessageType.ReadReply: {
        const reply = message as ReadReplyMessage;
        const waiter = this.readWaiters.get(reply.requestId);
        if (waiter !== undefined) {
          this.readWaiters.delete(reply.requestId);
          this.holdThreadOpen();
          waiter(reply);
        }
        return;
      }
      case LogMessageType.StorageFailure: {
        const failure = message as StorageFailureMessage;
        const now = performance.now();
        if (this.storageFailure === undefined) this.storageFailure = { failure, sinceMs: now, lastMs: now };
        else {
          this.storageFailure.failure = failure;
          this.storageFailure.lastMs = now;
        }
        return;
      }
      case LogMessageType.TrimReply: {
        const reply = message as TrimReplyMessage;
        this.trimWaiters.get(reply.requestId)?.(reply);
        return;
      }
      case LogMessageType.EntriesPush: {
        const push = message as EntriesPushMessage;
        this.subscriptions.get(push.subscriptionId)?.(push);
        return;
      }
      default:
        return;
    }
  }

  private acknowledged(clientId: number, seq: number, logIndex: number): void {
    const pending = this.pending.get(clientId);
    if (pending === undefined || pending.seq !== seq) return; // another learner's ack, or a late one
    this.storageFailure = undefined; // commits go through again
    this.pending.delete(clientId);
    this.leaderGuess = pending.target;
    this.releaseSession(pending.session);
    pending.resolve(logIndex);
  }

  private nextProposer(after: number): number {
    const proposers = this.layout.proposers;
    return proposers[(proposers.indexOf(after) + 1) % proposers.length]!;
  }

  /** Resends appends nobody answered (the leader may have died) and times out the hopeless. */
  private sweep(): void {
    if (this.isClosed()) return;
    const now = performance.now();
    // Roles report a disk that refuses writes: an append that has waited a grace period into such
    // a failure (a majority elsewhere may still be fine) fails with the disk's error.
    if (this.storageFailure !== undefined && now - this.storageFailure.lastMs > STORAGE_FAILURE_STALE_MS) this.storageFailure = undefined;
    const storage = this.storageFailure;
    const failBefore = storage !== undefined && now - storage.sinceMs >= STORAGE_FAILURE_GRACE_MS ? now - STORAGE_FAILURE_GRACE_MS : Number.NEGATIVE_INFINITY;
    for (const [clientId, pending] of this.pending) {
      if (pending.startedMs < failBefore) {
        this.abandon(pending);
        const { code, errno, path } = storage!.failure;
        pending.reject(storageErrorOf(code, errno === 0 ? undefined : errno, path === '' ? undefined : path));
        continue; // its command may still commit
      }
      if (now - pending.startedMs >= this.options.appendTimeoutMs) {
        this.abandon(pending);
        pending.reject(new AppendTimeoutError(this.options.appendTimeoutMs));
        continue; // its command may still commit
      }
      if (now - pending.sentMs >= this.options.resendAfterMs) {
        pending.target = pending.target === this.leaderGuess ? this.nextProposer(pending.target) : this.leaderGuess;
        this.leaderGuess = pending.target;
        pending.sentMs = now;
        this.request(pending.target, pending);
      }
    }
  }

  private readPage(fromIndex: number, learnerAt: number, signal: AbortSignal | undefined): Promise<ReadReplyMessage | undefined> {
    if (this.isClosed()) return Promise.reject(new LogClosedError());
    if (signal?.aborted) return Promise.reject(new AbortError('read', signal.reason));
    const requestId = this.nextRequestId++;
    const request: ReadRequestMessage = {
      type: LogMessageType.ReadRequest,
      from: this.endpoint.id,
      requestId,
      fromIndex,
      countMax: ENTRIES_PER_PAGE_MAX,
    };
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        this.readWaiters.delete(requestId);
        this.holdThreadOpen();
        reject(new AbortError('read', signal!.reason));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        this.readWaiters.delete(requestId);
        this.holdThreadOpen();
        resolve(undefined);
      }, READ_RETRY_MS);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.readWaiters.set(requestId, (reply) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (reply === undefined && this.closed) reject(new LogClosedError());
        else resolve(reply);
      });
      this.holdThreadOpen();
      this.send(this.layout.learners[learnerAt]!, request);
    });
  }

  private async *follow(fromIndex: number, signal: AbortSignal | undefined): AsyncGenerator<LogEntry, void, undefined> {
    const subscriptionId = this.nextRequestId++;
    const learner = this.layout.learners[0]!;
    let next = fromIndex;
    let allowedBelow = fromIndex + FOLLOW_CREDIT_ENTRIES;
    const queue: EntriesPushMessage[] = [];
    let wake: (() => void) | undefined;
    this.subscriptions.set(subscriptionId, (push) => {
      queue.push(push);
      wake?.();
    });
    this.holdThreadOpen();
    const onAbort = (): void => wake?.();
    signal?.addEventListener('abort', onAbort, { once: true });
    const subscribe = (): void => {
      const message: SubscribeMessage = { type: LogMessageType.Subscribe, from: this.endpoint.id, subscriptionId, fromIndex: next, allowedBelow };
      this.send(learner, message);
    };
    try {
      subscribe();
      while (!this.closed) {
        if (signal?.aborted) throw new AbortError('read', signal.reason);
        const push = queue.shift();
        if (push === CLOSED_PUSH) break;
        if (push === undefined) {
          const woke = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), FOLLOW_RESUBSCRIBE_MS);
            wake = () => {
              clearTimeout(timer);
              resolve(true);
            };
          });
          wake = undefined;
          if (!woke) subscribe();
          continue;
        }
        if (push.firstIndex > next) throw new LogTrimmedError(next, push.firstIndex);
        // A re-subscription can overlap what was already pushed: skip what we have, never leave a gap.
        if (push.fromIndex > next) {
          subscribe();
          continue;
        }
        for (let i = next - push.fromIndex; i < push.entries.length; i++) {
          if (signal?.aborted) throw new AbortError('read', signal.reason);
          yield { index: next++, data: push.entries[i]! };
          if (next + FOLLOW_CREDIT_ENTRIES / 2 >= allowedBelow) {
            allowedBelow = next + FOLLOW_CREDIT_ENTRIES;
            const credit: CreditMessage = { type: LogMessageType.Credit, from: this.endpoint.id, subscriptionId, allowedBelow };
            this.send(learner, credit);
          }
        }
      }
      if (this.closed) throw new LogClosedError();
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.subscriptions.delete(subscriptionId);
      this.holdThreadOpen();
      const message: UnsubscribeMessage = { type: LogMessageType.Unsubscribe, from: this.endpoint.id, subscriptionId };
      this.send(learner, message);
    }
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
