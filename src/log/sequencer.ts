import { LogClosedError } from './errors.js';
import type { LogOptions } from './options.js';
import { RESERVE_COUNT_MAX } from './client.js';
import { ReplicatedLog, type Cluster, type LogHandle } from './replicated-log.js';

interface Waiter {
  /** Consecutive numbers this call takes. */
  readonly count: number;
  resolve(value: number): void;
  reject(error: unknown): void;
}

/**
 * Globally ordered, gapless numbers for any thread of the process.
 *
 * The numbers are indexes of a replicated log that keeps no entries. All next() calls a thread
 * makes in one turn of its event loop become one command reserving that many consecutive
 * indexes, handed out in call order: so the numbers are unique (the log is), gapless (its indexes
 * are dense and every reserved one goes to a caller), strictly increasing per caller (a later
 * call is either later in the same reservation or in a later one), and never reissued after a
 * restart with storage.dir (the log remembers every index it gave out). Throughput comes from
 * the batching: one consensus round serves thousands of calls.
 */
export class Sequencer {
  private waiting: Waiter[] = [];
  private flushScheduled = false;
  private closed = false;

  private constructor(private readonly log: ReplicatedLog) {}

  static async open(options: LogOptions = {}): Promise<Sequencer> {
    return new Sequencer(await ReplicatedLog.start(options, false));
  }

  static async connect(handle: LogHandle): Promise<Sequencer> {
    return new Sequencer(await ReplicatedLog.connect(handle));
  }

  /**
   * The next number; with `count`, the first of `count` consecutive numbers, all this caller's
   * (a bulk reservation: one promise for many numbers).
   */
  next(count = 1): Promise<number> {
    if (this.closed) return Promise.reject(new LogClosedError('sequencer'));
    if (!Number.isInteger(count) || count < 1 || count > RESERVE_COUNT_MAX) {
      return Promise.reject(new RangeError(`next count must be an integer from 1 to ${RESERVE_COUNT_MAX}, got ${String(count)}`));
    }
    return new Promise<number>((resolve, reject) => {
      this.waiting.push({ count, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(this.reserve);
      }
    });
  }

  private readonly reserve = (): void => {
    this.flushScheduled = false;
    const waiting = this.waiting;
    this.waiting = [];
    // Calls of this turn, in call order, share reservations of at most RESERVE_COUNT_MAX numbers.
    let start = 0;
    while (start < waiting.length) {
      let end = start;
      let numbers = 0;
      while (end < waiting.length && numbers + waiting[end]!.count <= RESERVE_COUNT_MAX) numbers += waiting[end++]!.count;
      const group = waiting.slice(start, end);
      start = end;
      this.log.reserve(numbers).then(
        (first) => {
          let offset = 0;
          for (const waiter of group) {
            waiter.resolve(first + offset);
            offset += waiter.count;
          }
        },
        (error: unknown) => group.forEach((waiter) => waiter.reject(error)),
      );
    }
  };

  handle(): LogHandle {
    return this.log.handle();
  }

  get cluster(): Cluster {
    return this.log.cluster;
  }

  /** `await using seq = await Sequencer.open()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.log.close();
  }
}
