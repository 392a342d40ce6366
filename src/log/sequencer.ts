import { performance } from 'node:perf_hooks';
import { EventEmitter } from 'node:events';
import { LogClosedError } from '../protocol/errors.js';
import { NEXT_COUNT_MAX } from '../protocol/limits.js';
import { RUNTIME_TIMINGS } from '../protocol/timings.js';
import { LOG_EVENT_CHANNELS, type LogEventMap, type LogEventName } from './log-events.js';
import type { LogMetrics } from './log-metrics.js';
import type { LogBounds, LogStatus } from './log-status.js';
import { LEASE_CLOSED, LEASE_SHORT, NumberLease } from './number-lease.js';
import { resolveLogOptions, type LogOptions } from './options.js';
import { ReplicatedLog, type Cluster, type LogHandle } from './replicated-log.js';
import { readSequencerOffset, writeSequencerOffset } from './sequencer-offset.js';
import { TurnYield } from './turn-yield.js';

/**
 * How long the owner's close() waits for another thread's refill to land (a round trip, normally
 * milliseconds): one that lands later is not counted, so a reopen skips its numbers; one whose
 * thread was terminated never lands, and must not hold close() for long.
 */
const CLOSE_WAITS_FOR_REFILL_MS = RUNTIME_TIMINGS.sequencerCloseWaitsForRefillMs;

/** What Sequencer#handle() gives to another thread: the log's handle and the shared window. */
export interface SequencerHandle extends LogHandle {
  readonly numbers: SharedArrayBuffer;
}

interface Waiter {
  /** Consecutive numbers this call takes. */
  readonly count: number;
  resolve(value: number): void;
  reject(error: unknown): void;
}

/**
 * Globally ordered, gapless numbers for any thread of the process.
 *
 * The numbers are indexes of a replicated log that keeps no entries, reserved ahead of the
 * callers in ranges the log has committed, and handed out from one window shared by every
 * thread (NumberLease): so a next() that finds numbers on hand resolves without a round trip,
 * and one consensus round serves as many calls as the window holds. The numbers are unique and
 * never reissued after a crash (each came from a committed range, and a reopened log reserves
 * past all of them), increasing per caller and in take order across threads, and gapless: every
 * number below the next one to be handed out went to a caller, and a clean close records what
 * was reserved and not handed out, so reopening numbers on from there.
 */
export class Sequencer extends EventEmitter<LogEventMap> {
  private readonly lease: NumberLease;
  /** Calls of this thread waiting for numbers, in call order (later calls queue behind them). */
  private waiting: Waiter[] = [];
  /** This thread's refill in flight. */
  private refilling: Promise<void> | undefined;
  /** Waiting for another thread's refill (or its takeover timeout). */
  private watching = false;
  private serveScheduled = false;
  private closed = false;
  /** A loop that only awaits next() with numbers on hand still lets this thread's event loop turn. */
  private readonly turnYield = new TurnYield();

  private constructor(
    private readonly log: ReplicatedLog,
    numbers: SharedArrayBuffer,
    /** A refill out this long is taken over: the thread that asked may be gone. */
    private readonly refillTakeoverMs: number,
    /** Where the sequencer was opened (not through a handle): its close ends numbering on every thread. */
    private readonly owner: boolean,
    /** Where the owner records the unused offset at close; undefined through a handle and in memory. */
    private readonly dir: string | undefined,
  ) {
    super();
    this.lease = new NumberLease(numbers);
    // The log's events are the sequencer's: re-emitted here, and published on the channels with
    // `log` naming this sequencer. The log's emit already keeps a throwing listener off synod.
    log.eventSource = this;
    for (const name of Object.keys(LOG_EVENT_CHANNELS) as LogEventName[]) {
      (log as EventEmitter).on(name, (event: unknown) => (this as EventEmitter).emit(name, event));
    }
    if (owner) void this.serveRefillRequests();
  }

  static async open(options: LogOptions = {}): Promise<Sequencer> {
    const log = await ReplicatedLog.start(options, false);
    try {
      const resolved = resolveLogOptions(options);
      const dir = resolved.storage?.dir;
      const offset = dir === undefined ? 0 : readSequencerOffset(dir);
      return new Sequencer(log, NumberLease.create(offset), 2 * resolved.appendTimeoutMs, true, dir);
    } catch (error) {
      await log.close();
      throw error;
    }
  }

  static async connect(handle: SequencerHandle): Promise<Sequencer> {
    if (handle === null || typeof handle !== 'object' || !(handle.numbers instanceof SharedArrayBuffer)) {
      throw new TypeError('Sequencer.connect takes a handle made by Sequencer#handle()');
    }
    const lease = new NumberLease(handle.numbers);
    if (lease.closed) throw new LogClosedError('sequencer');
    return new Sequencer(await ReplicatedLog.connect(handle), handle.numbers, 2 * handle.client.appendTimeoutMs, false, undefined);
  }

  /**
   * The next number; with `count`, the first of `count` consecutive numbers, all this caller's
   * (a bulk reservation: one promise for many numbers).
   */
  next(count = 1): Promise<number> {
    if (this.closed) return Promise.reject(new LogClosedError('sequencer'));
    if (!Number.isInteger(count) || count < 1 || count > NEXT_COUNT_MAX) {
      return Promise.reject(new RangeError(`next count must be an integer from 1 to ${NEXT_COUNT_MAX}, got ${String(count)}`));
    }
    if (this.waiting.length === 0) {
      const first = this.lease.tryTake(count);
      if (first >= 0) {
        if (this.lease.low) this.refillAhead();
        return this.turnYield.due() ? this.turnYield.later(first) : Promise.resolve(first);
      }
      if (first === LEASE_CLOSED) return Promise.reject(new LogClosedError('sequencer'));
    }
    return new Promise<number>((resolve, reject) => {
      this.waiting.push({ count, resolve, reject });
      this.scheduleServe();
    });
  }

  private scheduleServe(): void {
    if (this.serveScheduled) return;
    this.serveScheduled = true;
    queueMicrotask(this.serve);
  }

  /** Hands the window's numbers to waiting calls in order; when it runs short, refills or waits for the refill out. */
  private readonly serve = (): void => {
    this.serveScheduled = false;
    // `low` is set by each take: read only after one of this call's (a stale one, from a take
    // before the last refill landed, refilled after every publish, for good).
    let took = false;
    while (this.waiting.length > 0) {
      const head = this.waiting[0]!;
      // Read before the take: a refill landing after it changes the generation, so watch() sees it.
      const generation = this.lease.generation;
      const first = this.lease.tryTake(head.count);
      if (first === LEASE_CLOSED) return this.rejectWaiting(new LogClosedError('sequencer'));
      if (first === LEASE_SHORT) {
        if (!this.refill()) this.watch(generation);
        return;
      }
      this.waiting.shift();
      head.resolve(first);
      took = true;
    }
    if (took && this.lease.low) this.refillAhead();
  };

  /**
   * The window is low: the owner refills ahead of need; another thread asks the owner to (see
   * refill()), and refills itself only once a call of its own has to wait.
   */
  private refillAhead(): void {
    if (this.owner) this.refill();
    else this.lease.requestRefill();
  }

  /** The owner's side of requestRefill: refills for other threads until the window closes. */
  private async serveRefillRequests(): Promise<void> {
    while (await this.lease.refillRequested()) {
      if (this.closed) return;
      // A request made just before a refill began, and served by it, finds the window full.
      if (this.lease.isLow()) this.refill();
    }
  }

  /**
   * Starts a refill from this thread unless one is out; false if another thread's is. Only the
   * owner refills ahead of need (at low water, its own or another thread's, which asks it through
   * the window); another thread refills only for a call of its own that waits. A piscina worker
   * (atomics 'sync', its default) blocks its event loop between tasks: a refill it started ahead
   * of need and had not landed when its task returned held the ticket, and every other thread
   * waited out the takeover timeout. Asking the owner instead keeps a connected thread from
   * stalling on an empty window each time it runs out (a fifth of its numbers/s).
   */
  private refill(takenOver = 0): boolean {
    if (this.refilling !== undefined) return true;
    const ticket = takenOver !== 0 ? takenOver : this.lease.beginRefill();
    if (ticket === 0) return false;
    const count = this.lease.refillCount();
    this.refilling = this.log.reserve(count).then(
      (firstIndex) => {
        this.refilling = undefined;
        this.lease.publish(ticket, firstIndex, count);
        this.scheduleServe();
      },
      (error: unknown) => {
        this.refilling = undefined;
        this.lease.abandonRefill(ticket);
        // This thread's callers learn why; others' ask again themselves (and learn their own).
        this.rejectWaiting(error);
      },
    );
    return true;
  }

  /** Waits for the window to change from `generation` (another thread's refill); one out too long is taken over. */
  private watch(generation: number): void {
    if (this.watching) return;
    this.watching = true;
    const stale = this.lease.refillTicket;
    void this.lease.changedSince(generation, this.refillTakeoverMs).then((outcome) => {
      this.watching = false;
      if (outcome === 'timed-out' && stale !== 0 && this.refilling === undefined && this.lease.refillTicket === stale) {
        const ticket = this.lease.takeOverRefill(stale);
        if (ticket !== 0) this.refill(ticket);
      }
      this.scheduleServe();
    });
  }

  private rejectWaiting(error: unknown): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const waiter of waiting) waiter.reject(error);
  }

  handle(): SequencerHandle {
    return { ...this.log.handle(), numbers: this.lease.memory };
  }

  get cluster(): Cluster {
    return this.log.cluster;
  }

  /** The log's status (see ReplicatedLog#status): nextIndex is one past the last number reserved, not handed out. Where opened only. */
  status(): Promise<LogStatus> {
    if (this.closed) return Promise.reject(new LogClosedError('sequencer'));
    return this.log.status();
  }

  /** The log's bounds, on any thread (see ReplicatedLog#bounds). */
  bounds(): LogBounds {
    if (this.closed) throw new LogClosedError('sequencer');
    return this.log.bounds();
  }

  /** The log's metrics (see ReplicatedLog#metrics): reservations, not appends, count here. */
  metrics(): LogMetrics {
    if (this.closed) throw new LogClosedError('sequencer');
    return this.log.metrics();
  }

  /** `await using seq = await Sequencer.open()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Where opened: stops numbering on every thread, records what was reserved and not handed out
   * (with storage.dir), and stops the workers. Through a handle: disconnects this thread.
   * Waiting calls reject with LogClosedError.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.owner) this.lease.close();
    this.rejectWaiting(new LogClosedError('sequencer'));
    // A refill in flight may commit: let it land (bounded by its timeout) so it is counted.
    await this.refilling?.catch(() => undefined);
    if (this.owner) {
      await this.awaitOtherRefills();
      if (this.dir !== undefined) this.recordUnused(this.dir);
    }
    await this.log.close();
  }

  /** Another thread's refill out at close: wait (bounded) for it to land or fail. */
  private async awaitOtherRefills(): Promise<void> {
    const deadline = performance.now() + CLOSE_WAITS_FOR_REFILL_MS;
    for (;;) {
      const generation = this.lease.generation;
      if (this.lease.refillTicket === 0) return;
      const left = deadline - performance.now();
      if (left <= 0) return;
      await this.lease.changedSince(generation, left);
    }
  }

  /**
   * The reopened sequencer starts at the first number not handed out: a full disk or a refill
   * that never landed only costs the numbers it held (skipped, never reissued).
   */
  private recordUnused(dir: string): void {
    const { next, endIndex } = this.lease.position();
    try {
      writeSequencerOffset(dir, endIndex - next);
    } catch {
      // The numbers reserved and unused are then skipped after the reopen: still unique.
    }
  }
}
