import { performance } from 'node:perf_hooks';
import type { Endpoint } from '../actors/index.js';
import { AbortError, ConnectionReclaimedError, EntryTooLargeError, LogClosedError, TrimTimeoutError } from '../protocol/errors.js';
import { EndpointRevokedError, type LeaseHolder } from './connection-lease.js';
import type { ClusterLayout } from '../protocol/cluster-layout.js';
import { AppendCore, type AppendTicket, type BytesHolder } from '../protocol/append-core.js';
import { AbortWatch } from './abort-watch.js';
import { AppendCounters } from './log-metrics.js';
import { FollowRead, LearnerRotation, PagedRead, type LogEntry } from '../protocol/read-core.js';
import { RESERVE_COUNT_MAX } from '../protocol/limits.js';
import { RUNTIME_TIMINGS } from '../protocol/timings.js';
import { storageErrorOfReport } from '../storage/storage-error.js';
import { LogMessageType, type EntriesPushMessage, type ReadReplyMessage, type StorageFailureMessage, type TrimMessage, type TrimReplyMessage } from '../protocol/wire.js';

export type { LogEntry } from '../protocol/read-core.js';

export interface ClientOptions {
  /**
   * This connection's generation: part of every client id. The handle carries the owner's; each
   * connect gets its own with its endpoint (endpoint ids are reused, generations never).
   */
  generation: number;
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

/** Told what the client hears about the cluster as it goes (the log's monitor: log-monitor.ts). */
export interface LogClientObserver {
  leaderAnnounced(leader: number, ballot: number | undefined): void;
  storageFailureChanged(failure: StorageFailureMessage | undefined): void;
}

/** Handed to a follow reader's push handler when the client closes: the reader ends with LogClosedError. */
const CLOSED_PUSH = Object.freeze({ closed: true }) as unknown as EntriesPushMessage;

/** An append's AbortSignal, and the listener watching it: only for an append given a signal. */
interface AppendAbort {
  readonly signal: AbortSignal;
  readonly onAbort: () => void;
  readonly watch: AbortWatch;
}

/**
 * One append waiting for its index: how to settle its promise and what its counters need. One
 * small object per append and no closures (the abort listener only when the caller passed a
 * signal): it took an object and three closures, about 470 bytes an append on the caller's thread
 * with the promise, then one object of ten fields; now five (V8's sampling heap profiler).
 */
class PendingAppend {
  /** The core's ticket, for an abort. */
  ticket: AppendTicket<PendingAppend> | undefined = undefined;
  /** The signal and its listener, only when there is a signal. */
  abort: AppendAbort | undefined = undefined;

  constructor(
    /** An append's bytes (0 or more), or minus the indexes a reservation takes (no data): its counters' one field. */
    private readonly size: number,
    private readonly resolveAppend: (index: number) => void,
    private readonly rejectAppend: (error: Error) => void,
  ) {}

  resolve(index: number, counters: AppendCounters): void {
    this.stopListening();
    if (this.size < 0) counters.acknowledged(0, -this.size, true);
    else counters.acknowledged(this.size, 1, false);
    this.resolveAppend(index);
  }

  reject(error: Error, counters: AppendCounters): void {
    this.stopListening();
    counters.failed(error);
    this.rejectAppend(error);
  }

  private stopListening(): void {
    if (this.abort !== undefined) this.abort.watch.unwatch(this.abort.signal, this.abort.onAbort);
  }
}

const NO_DATA = new Uint8Array(0);

/** What the last `new Promise(captureSettlers)` handed its executor; taken at once by submit(). */
let capturedResolve: ((index: number) => void) | undefined;
let capturedReject: ((error: Error) => void) | undefined;
function captureSettlers(resolve: (index: number) => void, reject: (error: Error) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

const { clientSweepIntervalMs, followResubscribeMs, readRetryMs } = RUNTIME_TIMINGS;
/** What a trim a learner's disk refused may still do (storageErrorOfReport's consequence). */
const TRIM_NEEDS_ROOM =
  'a trim writes the entries it keeps to a new file before it lets the old one go, so it needs room for them: make room on the disk (the learner tries this trim again at its next write, so it may still take effect then)';

/**
 * The client side of a replicated log on one thread: appends with exactly-once retries, and reads.
 * Appends are an AppendCore (sessions, sequence numbers, batching, routing, resends, timeouts: see
 * append-core.ts) driven by this class's promises, AbortSignals, sweep interval and endpoint.
 */
export class LogClient {
  private readonly core: AppendCore<PendingAppend>;
  private readonly readWaiters = new Map<number, (reply: ReadReplyMessage | undefined) => void>();
  private readonly trimWaiters = new Map<number, (reply: TrimReplyMessage | undefined) => void>();
  private readonly subscriptions = new Map<number, (push: EntriesPushMessage) => void>();
  /** One listener per AbortSignal for all the calls waiting on it. */
  private readonly abortWatch = new AbortWatch();
  private nextRequestId = 1;
  private flushScheduled = false;
  private readonly sweepTimer: NodeJS.Timeout;
  private closed = false;
  /** Why the client closed, for readers and trims that were waiting: LogClosedError, or ConnectionReclaimedError. */
  private closeError: Error | undefined;
  private readonly closedWord: Int32Array;
  /** This thread's appends by outcome, for metrics(). */
  readonly counters: AppendCounters;
  /** Reads and trims running (a read is busy between its pages too: its endpoint must not be reclaimed under it). */
  private activeOps = 0;
  /** The owner took this client's endpoint back (connection-lease.ts): the log reconnects. */
  private revokedByOwner = false;

  constructor(
    private readonly endpoint: Endpoint,
    private readonly layout: ClusterLayout,
    private readonly options: ClientOptions,
    closedFlag: SharedArrayBuffer,
    observer?: LogClientObserver,
    /** Through a handle: the lease of this client's endpoint, which the owner may take back when the thread looks gone. */
    private readonly lease?: LeaseHolder,
    /** Where this thread's appends are counted: the log's, so they carry on across a reconnect. */
    counters: AppendCounters = new AppendCounters(),
  ) {
    this.counters = counters;
    this.closedWord = new Int32Array(closedFlag);
    this.core = new AppendCore<PendingAppend>(
      {
        generation: options.generation,
        endpointId: endpoint.id,
        proposers: layout.proposers,
        inflightAppendsMax: options.inflightAppendsMax,
        appendTimeoutMs: options.appendTimeoutMs,
        resendAfterMs: options.resendAfterMs,
        requestBatchBytesMax: options.requestBatchBytesMax,
        sharedCommandMemory: { reserve: (minBytes, wantedBytes) => this.reserveCommandMemory(minBytes, wantedBytes) },
      },
      {
        send: (to, message, fields) => this.send(to, message, fields),
        resent: () => this.counters.appendsResent++,
        resolved: (pending, index) => pending.resolve(index, this.counters),
        rejected: (pending, error) => pending.reject(error, this.counters),
        leaderAnnounced: (leader, ballot) => observer?.leaderAnnounced(leader, ballot),
        storageFailureChanged: (failure) => observer?.storageFailureChanged(failure),
      },
    );
    this.sweepTimer = setInterval(() => this.sweep(), clientSweepIntervalMs);
    this.sweepTimer.unref();
    // Last: listen() hands over at once what already waits in the mailbox (a NewLeader, say), and
    // handling it needs everything above.
    endpoint.listen((from, message) => this.onMessage(from, message as { type: number }));
  }

  /**
   * Waiting on mailboxes (Atomics.waitAsync) does not keep a thread alive, so the sweep timer does
   * while anything is outstanding: a worker awaiting an append must not exit under it. Idle, the
   * client holds nothing open.
   */
  private holdThreadOpen(): void {
    const busy =
      this.activeOps > 0 ||
      this.core.inflight > 0 ||
      this.core.waitingCount > 0 ||
      this.readWaiters.size > 0 ||
      this.subscriptions.size > 0 ||
      this.trimWaiters.size > 0;
    if (busy) this.sweepTimer.ref();
    else {
      this.sweepTimer.unref();
      // Idle: the owner may reclaim the endpoint again if this thread goes away.
      if (this.lease !== undefined && !this.closed && !this.lease.markIdle()) this.onRevoked();
    }
  }

  /** The owner took the endpoint back: through ReplicatedLog, the next call reconnects. */
  get revoked(): boolean {
    if (!this.revokedByOwner && !this.closed && this.lease?.revoked === true) this.onRevoked();
    return this.revokedByOwner;
  }

  /**
   * Before anything is sent: marks the endpoint BUSY so the owner cannot reclaim it under the
   * work. False if it was reclaimed already (nothing was sent; the caller may retry elsewhere).
   */
  acquire(): boolean {
    if (this.closed) return !this.revokedByOwner;
    if (this.lease === undefined || this.lease.markBusy()) return true;
    this.onRevoked();
    return false;
  }

  /** Rejected before anything was sent: the endpoint may be idle again. */
  private rejectNow(error: Error): Promise<never> {
    this.holdThreadOpen();
    return Promise.reject(error);
  }

  private onRevoked(): void {
    if (this.revokedByOwner) return;
    this.revokedByOwner = true;
    // Only a thread that ran nothing for longer than appendTimeoutMs with work outstanding can
    // have anything outstanding here (an IDLE endpoint has nothing): that work fails.
    this.close(new ConnectionReclaimedError(this.options.appendTimeoutMs));
  }

  private closedError(): Error {
    return this.closeError ?? new LogClosedError();
  }

  append(data: Uint8Array, signal?: AbortSignal): Promise<number> {
    if (this.isClosed()) return Promise.reject(this.closedError());
    if (!this.acquire()) return Promise.reject(new EndpointRevokedError());
    const refused = this.refusal(data, signal);
    if (refused !== undefined) {
      this.counters.appendsRefused++;
      return this.rejectNow(refused);
    }
    if (signal?.aborted) {
      this.counters.appendsFailedAborted++;
      return this.rejectNow(new AbortError('append-unsent', signal.reason));
    }
    return this.submit(data, 1, signal);
  }

  private refusal(data: Uint8Array, signal: AbortSignal | undefined): Error | undefined {
    if (!(data instanceof Uint8Array)) return new TypeError(`append takes a Uint8Array, got ${describe(data)}`);
    // A view of a transferred buffer reads as empty: refused, rather than stored as an empty entry.
    if (data.byteLength === 0 && isDetached(data.buffer)) {
      return new TypeError('append takes a Uint8Array, got a view of a detached ArrayBuffer (it was transferred to another thread or closed)');
    }
    if (data.byteLength > this.options.entryBytesMax) return new EntryTooLargeError(data.byteLength, this.options.entryBytesMax);
    if (signal !== undefined && !(signal instanceof AbortSignal)) return new TypeError(`append's signal must be an AbortSignal, got ${describe(signal)}`);
    return undefined;
  }

  /** Appends sent and not settled, plus those waiting for a session. */
  get appendsInflight(): number {
    return this.core.inflight + this.core.waitingCount;
  }

  /** One command that takes `count` consecutive log indexes (empty entries); resolves to the first. */
  reserve(count: number): Promise<number> {
    if (this.isClosed()) return Promise.reject(this.closedError());
    if (!this.acquire()) return Promise.reject(new EndpointRevokedError());
    if (!Number.isInteger(count) || count < 1 || count > RESERVE_COUNT_MAX) {
      return this.rejectNow(new RangeError(`reserve count must be an integer from 1 to ${RESERVE_COUNT_MAX}, got ${String(count)}`));
    }
    return this.submit(NO_DATA, count);
  }

  private submit(data: Uint8Array, count: number, signal?: AbortSignal): Promise<number> {
    // The settlers through one executor made once, not a closure (and its context) per append.
    const promise = new Promise<number>(captureSettlers);
    const resolveAppend = capturedResolve!;
    const rejectAppend = capturedReject!;
    capturedResolve = capturedReject = undefined;
    try {
      // An append takes one index (count 1); a reservation (no data) takes `count`.
      const pending = new PendingAppend(data === NO_DATA ? -count : data.byteLength, resolveAppend, rejectAppend);
      if (signal !== undefined) {
        const abort: AppendAbort = { signal, onAbort: () => this.abortAppend(pending, signal), watch: this.abortWatch };
        pending.abort = abort;
        this.abortWatch.watch(signal, abort.onAbort);
      }
      pending.ticket = this.core.submit(pending, data, count, performance.now());
      this.afterCore();
    } catch (error) {
      // As a throw inside an executor would: the append rejects, append() does not throw.
      rejectAppend(error as Error);
    }
    return promise;
  }

  private abortAppend(pending: PendingAppend, signal: AbortSignal): void {
    const outcome = pending.ticket === undefined ? 'unknown' : this.core.abort(pending.ticket, pending, performance.now());
    // Never sent, it cannot commit; sent, like a timeout, its outcome is unknown.
    if (outcome !== 'unknown') pending.reject(new AbortError(outcome === 'unsent' ? 'append-unsent' : 'append-sent', signal.reason), this.counters);
    this.afterCore();
  }

  /** After the core ran: what it queued goes out at the end of this turn, and the thread stays open while anything is outstanding. */
  private afterCore(): void {
    if (this.core.hasOutgoing && !this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flushRequests);
    }
    this.holdThreadOpen();
  }

  private readonly flushRequests = (): void => {
    this.flushScheduled = false;
    this.core.flush();
  };

  /** Committed entries from `fromIndex`: up to what is committed when the read starts, or on and on with `follow`. */
  async *read(fromIndex: number, follow: boolean, signal?: AbortSignal): AsyncGenerator<LogEntry, void, undefined> {
    if (this.isClosed()) throw this.closedError();
    if (signal?.aborted) throw new AbortError('read', signal.reason);
    if (!this.acquire()) throw new EndpointRevokedError();
    this.activeOps++;
    try {
      yield* this.readAcquired(fromIndex, follow, signal);
    } finally {
      this.activeOps--;
      this.holdThreadOpen();
    }
  }

  private async *readAcquired(fromIndex: number, follow: boolean, signal?: AbortSignal): AsyncGenerator<LogEntry, void, undefined> {
    if (follow) {
      yield* this.follow(fromIndex, signal);
      return;
    }
    const read = new PagedRead(fromIndex, this.layout.learners);
    while (!read.done) {
      const reply = await this.readPage(read, signal);
      if (reply === undefined) {
        read.onSilence();
        continue;
      }
      for (const entry of read.onReply(reply)) {
        if (signal?.aborted) throw new AbortError('read', signal.reason);
        yield entry;
        // Closed while the loop ran its body (here, or by the owner on another thread): the rest
        // of the page is not handed out, as the rest of the read would not be.
        if (this.isClosed()) throw this.closedError();
      }
    }
  }

  /**
   * Asks every learner to release the entries below `beforeIndex` (each as far as it has them);
   * resolves to the index the log now starts at (the lowest over the learners) once all confirmed.
   */
  async trim(beforeIndex: number): Promise<number> {
    if (this.isClosed()) throw this.closedError();
    if (!this.acquire()) throw new EndpointRevokedError();
    this.activeOps++;
    try {
      return await this.trimAcquired(beforeIndex);
    } finally {
      this.activeOps--;
      this.holdThreadOpen();
    }
  }

  private async trimAcquired(beforeIndex: number): Promise<number> {
    const deadline = performance.now() + this.options.appendTimeoutMs;
    const waiting = new Set(this.layout.learners);
    let firstIndex = Number.POSITIVE_INFINITY;
    let failure: TrimReplyMessage['failure'];
    while (waiting.size > 0) {
      if (performance.now() >= deadline) throw new TrimTimeoutError(beforeIndex, this.options.appendTimeoutMs, [...waiting].sort((a, b) => a - b));
      const requestId = this.nextRequestId++;
      const replies = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, readRetryMs);
        this.trimWaiters.set(requestId, (reply) => {
          if (reply === undefined) {
            clearTimeout(timer);
            resolve();
            return;
          }
          if (!waiting.delete(reply.from)) return;
          firstIndex = Math.min(firstIndex, reply.firstIndex);
          failure ??= reply.failure;
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
      if (this.closed) throw this.closedError();
    }
    if (failure !== undefined) throw storageErrorOfReport(failure, TRIM_NEEDS_ROOM);
    return firstIndex;
  }

  /** Closed here, or by the log's owner on another thread (which this notices and acts on now). */
  private isClosed(): boolean {
    if (!this.closed && Atomics.load(this.closedWord, 0) === 1) this.close();
    return this.closed;
  }

  close(error: Error = new LogClosedError()): void {
    if (this.closed) return;
    this.closed = true;
    this.closeError = error;
    clearInterval(this.sweepTimer);
    // Given up here: the owner may unwire the endpoint at its next probe, even before the release message arrives.
    this.lease?.end();
    this.core.close(error);
    // The slab visits nothing of a closed client (which writes nothing more), and holds no path to it.
    const slab = this.endpoint.valueSlab;
    if (slab?.ownerViews === this.visitSharedCommands) slab.ownerViews = undefined;
    // Readers, followers and trims waiting for a learner wake now and see the client closed.
    for (const waiter of [...this.readWaiters.values()]) waiter(undefined);
    this.readWaiters.clear();
    for (const onPush of [...this.subscriptions.values()]) onPush(CLOSED_PUSH);
    for (const waiter of [...this.trimWaiters.values()]) waiter(undefined);
    this.trimWaiters.clear();
    this.endpoint.close();
  }

  // ---- internals ----

  /** What the endpoint's value slab must not write over: the core's commands in it (its ownerViews). */
  private readonly visitSharedCommands = (visit: (view: Uint8Array) => void): void => this.core.visitSharedCommands(visit);

  /**
   * Memory in this endpoint's value slab for the core's commands (AppendCore.sharedCommandMemory),
   * or undefined (no slab, or no room: the core writes into private memory). Pieces of at most an
   * eighth of the slab, a whole number of commands of `minBytes` (one command may need more): the
   * slab takes memory back in the order it gave it, so a piece is free only once every append in
   * it settled, and a burst's big pieces kept the next burst out (3 of 9 refused at 64 KiB x 16
   * with pieces of half a ring). At most seven eighths of the slab live: the rest is for other
   * large values a send places there.
   */
  private reserveCommandMemory(minBytes: number, wantedBytes: number): Uint8Array | undefined {
    const slab = this.endpoint.valueSlab;
    if (slab === undefined) return undefined;
    slab.ownerViews ??= this.visitSharedCommands;
    const pieceBytes = slab.capacityBytes / 8;
    const bytes = wantedBytes <= pieceBytes ? wantedBytes : Math.max(minBytes, Math.floor(pieceBytes / minBytes) * minBytes);
    return slab.reserve(bytes, (slab.capacityBytes * 7) / 8);
  }

  /**
   * Sends now, or once the mailbox has room. `fields`: what the message's binary fields view, held
   * while it waits (AppendCoreSink.send); without it, a message that waits is copied first.
   */
  private send(to: number, message: unknown, fields?: BytesHolder): void {
    if (this.closed || this.endpoint.send(to, message)) return;
    // A full mailbox (a burst of large entries): wait for room, as long as an append may wait. A
    // timeout this short would drop the batch while the proposer works through the ones before it,
    // and sending it again would only queue more behind them. A reader that never frees room (a
    // dead proposer) leaves the batch waiting here; NewLeader or the sweep sends its appends
    // elsewhere. A batch waits as it is, its slab held (encoded once there is room: no copy of its
    // entries); any other message is encoded before this returns.
    let waited: Promise<void>;
    if (fields === undefined) waited = this.endpoint.sendAsync(to, message, this.options.appendTimeoutMs);
    else {
      waited = this.endpoint.sendAsyncInPlace(to, message, this.options.appendTimeoutMs);
      fields.hold();
      waited = waited.finally(() => fields.release());
    }
    waited.then(
      () => this.core.mailboxProgressed(to, performance.now()),
      () => this.core.sendFailed(to),
    );
  }

  private onMessage(_from: number, message: { type: number }): void {
    if (this.core.onMessage(message, performance.now())) {
      this.afterCore();
      return;
    }
    switch (message.type) {
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

  /** Resends appends nobody answered (the leader may have died) and times out the hopeless. */
  private sweep(): void {
    if (this.isClosed()) return;
    if (this.lease !== undefined) {
      if (this.lease.revoked) {
        this.onRevoked();
        return;
      }
      this.lease.beat(); // this thread runs: see connection-lease.ts
    }
    this.core.sweep(performance.now());
    this.afterCore();
  }

  private readPage(read: PagedRead, signal: AbortSignal | undefined): Promise<ReadReplyMessage | undefined> {
    if (this.isClosed()) return Promise.reject(this.closedError());
    if (signal?.aborted) return Promise.reject(new AbortError('read', signal.reason));
    const requestId = this.nextRequestId++;
    const request = read.request(this.endpoint.id, requestId);
    const learner = read.learner;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        this.readWaiters.delete(requestId);
        this.holdThreadOpen();
        reject(new AbortError('read', signal!.reason));
      };
      const timer = setTimeout(() => {
        if (signal !== undefined) this.abortWatch.unwatch(signal, onAbort);
        this.readWaiters.delete(requestId);
        this.holdThreadOpen();
        resolve(undefined);
      }, readRetryMs);
      if (signal !== undefined) this.abortWatch.watch(signal, onAbort);
      this.readWaiters.set(requestId, (reply) => {
        clearTimeout(timer);
        if (signal !== undefined) this.abortWatch.unwatch(signal, onAbort);
        if (reply === undefined && this.closed) reject(this.closedError());
        else resolve(reply);
      });
      this.holdThreadOpen();
      this.send(learner, request);
    });
  }

  private async *follow(fromIndex: number, signal: AbortSignal | undefined): AsyncGenerator<LogEntry, void, undefined> {
    // Before anything is set up: an aborted signal never fires again, so it cannot be watched.
    if (signal?.aborted) throw new AbortError('read', signal.reason);
    const follow = new FollowRead(fromIndex, this.endpoint.id, this.nextRequestId++);
    const learners = new LearnerRotation(this.layout.learners);
    const queue: EntriesPushMessage[] = [];
    let wake: (() => void) | undefined;
    this.subscriptions.set(follow.subscriptionId, (push) => {
      queue.push(push);
      wake?.();
    });
    this.holdThreadOpen();
    const onAbort = (): void => wake?.();
    if (signal !== undefined) this.abortWatch.watch(signal, onAbort);
    try {
      this.send(learners.learner, follow.subscribe());
      while (!this.isClosed()) {
        if (signal?.aborted) throw new AbortError('read', signal.reason);
        const push = queue.shift();
        if (push === CLOSED_PUSH) break;
        if (push === undefined) {
          const woke = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), followResubscribeMs);
            wake = () => {
              clearTimeout(timer);
              resolve(true);
            };
          });
          wake = undefined;
          if (!woke) {
            // Quiet for followResubscribeMs: ask again, the next learner where there are several.
            // The one asked may be gone for good (its supervisor gave up, or it was killed and held
            // down), and the others have the same entries; a live but quiet one loses nothing by it
            // (pushes carry their indexes: what two learners both push is taken once).
            if (learners.several) {
              this.send(learners.learner, follow.unsubscribe());
              learners.next();
            }
            this.send(learners.learner, follow.subscribe());
          }
          continue;
        }
        const entries = follow.onPush(push);
        const again = follow.takeMessage();
        if (again !== undefined) this.send(learners.learner, again);
        for (const entry of entries) {
          if (signal?.aborted) throw new AbortError('read', signal.reason);
          yield entry;
          // Closed while the loop ran its body: no more entries, even those already pushed.
          if (this.isClosed()) break;
          const credit = follow.consumed(entry.index);
          if (credit !== undefined) this.send(learners.learner, credit);
        }
      }
      // Out of the loop only once the client closed: a follow never ends normally; it ends with
      // the log, rejecting with why it closed (LogClosedError, or ConnectionReclaimedError).
      throw this.closedError();
    } finally {
      if (signal !== undefined) this.abortWatch.unwatch(signal, onAbort);
      this.subscriptions.delete(follow.subscriptionId);
      this.holdThreadOpen();
      this.send(learners.learner, follow.unsubscribe());
    }
  }
}

/** Whether `buffer` was detached (transferred): then even a zero-length view of it cannot be made. */
function isDetached(buffer: ArrayBufferLike): boolean {
  if (buffer.byteLength > 0 || !(buffer instanceof ArrayBuffer)) return false;
  try {
    new Uint8Array(buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
