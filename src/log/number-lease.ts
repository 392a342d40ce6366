import { performance } from 'node:perf_hooks';
import { RESERVE_COUNT_MAX } from '../protocol/limits.js';
import { RUNTIME_TIMINGS } from '../protocol/timings.js';

/**
 * The sequencer's numbers on hand: one window [next, end) of numbers already reserved by
 * consensus, in a SharedArrayBuffer that every thread holding the sequencer takes from.
 *
 * A number is handed out only from a range the log has committed (and, with storage.dir, made
 * durable), so it is never issued twice, even after a crash: a reopened log numbers on past
 * every range it ever reserved. Taking from the window is a lock and two float stores, no round
 * trip, which is what lets one thread draw millions of numbers a second (the same design as a
 * timestamp oracle that persists the top of a window and serves from memory below it).
 *
 * Every thread takes from the one window, under one lock, in the order the takes happen, so the
 * numbers are unique, increasing for each caller (and across threads in take order), and
 * together gapless: a number below `next` was handed to someone. Refills are single-flight across
 * threads (a ticket word), so each reserved range starts where the previous one ended and the
 * window only grows at its end. A range that does not start there (a refill that was given up on
 * may have committed in between, or a reservation made around the sequencer) makes the window
 * jump; the numbers skipped are those of a failure, never reissued.
 *
 * The window's size follows demand, between LEASE_NUMBERS_MIN and LEASE_NUMBERS_MAX: a refill
 * asks for what callers took in the last REFILL_PERIOD_MS (at the rate measured between the last
 * two publishes), doubles when a caller found the window short, and shrinks by at most half per
 * refill. A refill is asked for at half a window left. So at a steady rate there are about ten
 * refills a second, each far ahead of need, whatever the rate. (Sizing by what was taken during
 * one refill collapsed the window whenever a refill landed in a lull: thousands of refills of a
 * few numbers a second, a fifth of the throughput.) The bound is what a crash can skip (what was
 * reserved and not yet handed out).
 */

/** Largest window (one reservation): after a crash, at most this many reserved numbers were never handed out. */
export const LEASE_NUMBERS_MAX = RESERVE_COUNT_MAX;
const LEASE_NUMBERS_MIN = 1;

// Int32 words.
const LOCK = 0; // 0 free, 1 held, 2 held with a thread parked on it
const GENERATION = 1; // bumped (and notified) whenever the window changes or a refill ends
const REFILL_TICKET = 2; // 0, or the ticket of the refill in flight
const CLOSED = 3; // 1 once the owner closed the sequencer
const TICKETS = 4; // source of refill tickets
const REFILL_WANTED = 5; // 1 once a thread that does not refill ahead of need found the window low
const WORDS = 6;
// Float64 slots (byte offset 8 x index), after the Int32 words.
const NEXT = 3; // next number to hand out
const END = 4; // first number past the window
const TARGET = 5; // numbers the next refill asks for
const NEED = 6; // largest single take a caller is waiting for
const NEXT_AT_PUBLISH = 7; // NEXT at the last publish (what was taken since follows)
const STARVED = 8; // 1 when a caller found the window short since the last publish
const OFFSET = 9; // log index minus number (nonzero after a clean close left numbers unused)
const PUBLISHED_AT_MS = 10; // when the last publish happened (performance.timeOrigin + now())
const BYTES = 8 * 11;

/** A window should last about this long at the rate callers take numbers: ten refills a second. */
const REFILL_PERIOD_MS = RUNTIME_TIMINGS.sequencerRefillPeriodMs;

/** tryTake's answer when the window is closed. */
export const LEASE_CLOSED = -2;
/** tryTake's answer when the window holds fewer numbers than asked. */
export const LEASE_SHORT = -1;

/** Spins before a thread parks on a held lock: the holder runs a few instructions. */
const LOCK_SPINS = 64;

export class NumberLease {
  private readonly words: Int32Array;
  private readonly slots: Float64Array;
  /** Set by tryTake: the window is down to half a refill, so one should be asked for. */
  low = false;

  /** A window whose numbers are log indexes minus `offset`. */
  static create(offset: number): SharedArrayBuffer {
    const memory = new SharedArrayBuffer(BYTES);
    const slots = new Float64Array(memory);
    slots[TARGET] = LEASE_NUMBERS_MIN;
    slots[OFFSET] = offset;
    return memory;
  }

  constructor(readonly memory: SharedArrayBuffer) {
    if (!(memory instanceof SharedArrayBuffer) || memory.byteLength !== BYTES) throw new TypeError('a number lease is a SharedArrayBuffer made by NumberLease.create');
    this.words = new Int32Array(memory, 0, WORDS);
    this.slots = new Float64Array(memory);
  }

  /**
   * The first of `count` consecutive numbers, taken from the window; LEASE_SHORT if it holds
   * fewer (nothing is taken, and the shortfall is recorded for the next refill), LEASE_CLOSED.
   */
  tryTake(count: number): number {
    this.lock();
    const slots = this.slots;
    let taken: number;
    if (this.words[CLOSED] === 1) taken = LEASE_CLOSED;
    else {
      const next = slots[NEXT]!;
      const end = slots[END]!;
      if (end - next >= count) {
        taken = next;
        slots[NEXT] = next + count;
        this.low = this.words[REFILL_TICKET] === 0 && this.belowLowWater(end - next - count);
      } else {
        taken = LEASE_SHORT;
        slots[STARVED] = 1;
        if (count > slots[NEED]!) slots[NEED] = count;
        this.low = this.words[REFILL_TICKET] === 0;
      }
    }
    this.unlock();
    return taken;
  }

  /**
   * Asks the thread that refills ahead of need (the owner's) for a refill: a thread that must not
   * hold the refill ticket itself (its event loop may block) calls this when tryTake set `low`.
   */
  requestRefill(): void {
    const words = this.words;
    if (words[REFILL_WANTED] === 0 && Atomics.compareExchange(words, REFILL_WANTED, 0, 1) === 0) Atomics.notify(words, REFILL_WANTED);
  }

  /**
   * Resolves once some thread requested a refill (clearing the request), or the window closed:
   * true for a request, false once closed.
   */
  async refillRequested(): Promise<boolean> {
    const words = this.words;
    for (;;) {
      if (Atomics.load(words, CLOSED) === 1) return false;
      if (Atomics.exchange(words, REFILL_WANTED, 0) === 1) return true;
      const wait = Atomics.waitAsync(words, REFILL_WANTED, 0);
      if (wait.async) await wait.value;
    }
  }

  /** True when the window is down to half the next refill, or a caller found it short since the last one. */
  isLow(): boolean {
    this.lock();
    const slots = this.slots;
    const low = slots[STARVED] === 1 || this.belowLowWater(slots[END]! - slots[NEXT]!);
    this.unlock();
    return low;
  }

  /** Whether `remaining` numbers are down to half the next refill, when one should be asked for (under the lock). */
  private belowLowWater(remaining: number): boolean {
    return remaining <= this.slots[TARGET]! / 2;
  }

  /** A ticket to refill the window, or 0 when a refill is already out (or the window is closed). */
  beginRefill(): number {
    if (Atomics.load(this.words, CLOSED) === 1) return 0;
    const ticket = this.newTicket();
    if (Atomics.compareExchange(this.words, REFILL_TICKET, 0, ticket) !== 0) return 0;
    // Requests made before now are served by this refill; one made during it is for the next.
    Atomics.store(this.words, REFILL_WANTED, 0);
    return ticket;
  }

  /**
   * Replaces a refill that has been out too long (its thread may be gone) with a new ticket;
   * 0 if that refill ended meanwhile or another thread took it over first.
   */
  takeOverRefill(stale: number): number {
    const ticket = this.newTicket();
    return Atomics.compareExchange(this.words, REFILL_TICKET, stale, ticket) === stale ? ticket : 0;
  }

  /** How many numbers a refill should reserve now. */
  refillCount(): number {
    this.lock();
    const slots = this.slots;
    const count = Math.min(LEASE_NUMBERS_MAX, Math.max(slots[TARGET]!, slots[NEED]!));
    this.unlock();
    return count;
  }

  /** The refill in flight, 0 if none. */
  get refillTicket(): number {
    return Atomics.load(this.words, REFILL_TICKET);
  }

  get generation(): number {
    return Atomics.load(this.words, GENERATION);
  }

  get closed(): boolean {
    return Atomics.load(this.words, CLOSED) === 1;
  }

  /**
   * The refill `ticket` reserved `count` log indexes from `firstIndex`: they join the window
   * (published even once closed, so close() counts them as reserved). False if the ticket was
   * taken over: the range is dropped, skipped, never handed out. `nowMs` is for tests.
   */
  publish(ticket: number, firstIndex: number, count: number, nowMs = performance.timeOrigin + performance.now()): boolean {
    this.lock();
    const slots = this.slots;
    if (this.words[REFILL_TICKET] !== ticket) {
      this.unlock();
      return false;
    }
    const first = firstIndex - slots[OFFSET]!;
    const end = slots[END]!;
    if (first < end) {
      this.unlock();
      throw new Error(`sequencer: reserved range from ${first} starts inside the window, below ${end}`);
    }
    // Size the next refill: what a REFILL_PERIOD_MS takes at the rate since the last publish, at
    // least double when someone ran short, at least half the last target otherwise. Publishes
    // closer together than half a period (while the window grows) are too short to judge the
    // rate by (takes come in bursts of microtasks): the target then only grows when short.
    const elapsedMs = Math.max(1, nowMs - slots[PUBLISHED_AT_MS]!);
    const rateJudged = elapsedMs >= REFILL_PERIOD_MS / 2;
    const byRate = rateJudged ? Math.ceil(((slots[NEXT]! - slots[NEXT_AT_PUBLISH]!) * REFILL_PERIOD_MS) / elapsedMs) : 0;
    const target = slots[TARGET]!;
    if (slots[STARVED] === 1) slots[TARGET] = Math.min(LEASE_NUMBERS_MAX, Math.max(target * 2, byRate));
    else if (rateJudged) slots[TARGET] = Math.min(LEASE_NUMBERS_MAX, Math.max(LEASE_NUMBERS_MIN, Math.floor(target / 2), byRate));
    if (first > end) slots[NEXT] = first; // a failure's range lay in between: skipped
    slots[END] = first + count;
    slots[NEXT_AT_PUBLISH] = slots[NEXT]!;
    slots[PUBLISHED_AT_MS] = nowMs;
    slots[STARVED] = 0;
    slots[NEED] = 0;
    this.words[REFILL_TICKET] = 0;
    this.unlock();
    this.changed();
    return true;
  }

  /** The refill `ticket` failed: the next caller that runs short asks again. */
  abandonRefill(ticket: number): void {
    if (Atomics.compareExchange(this.words, REFILL_TICKET, ticket, 0) === ticket) this.changed();
  }

  /** No number is handed out from now on, on any thread. */
  close(): void {
    this.lock();
    this.words[CLOSED] = 1;
    this.unlock();
    this.changed();
    Atomics.notify(this.words, REFILL_WANTED);
  }

  /**
   * Where numbering stands: `next` is the first number not handed out, and `endIndex` the log
   * index past every range this window knows was reserved. A reopened sequencer whose offset is
   * `endIndex - next` numbers on from `next`, with no gap, when no other range was reserved.
   */
  position(): { next: number; endIndex: number } {
    this.lock();
    const position = { next: this.slots[NEXT]!, endIndex: this.slots[END]! + this.slots[OFFSET]! };
    this.unlock();
    return position;
  }

  /**
   * Resolves once the window changed from `generation` (a publish, an abandoned refill, a close),
   * or after `timeoutMs`; 'timed-out' then.
   */
  changedSince(generation: number, timeoutMs: number): Promise<'ok' | 'not-equal' | 'timed-out'> {
    const wait = Atomics.waitAsync(this.words, GENERATION, generation, timeoutMs);
    if (!wait.async) return Promise.resolve(wait.value);
    // Atomics.waitAsync does not keep a thread alive: a timer does, for as long as it waits.
    const keepAlive = setTimeout(() => undefined, timeoutMs + 1);
    return wait.value.finally(() => clearTimeout(keepAlive));
  }

  /** Never 0 (which means no refill out), even once the counter wraps. */
  private newTicket(): number {
    return (Atomics.add(this.words, TICKETS, 1) + 1) | 0 || 1;
  }

  private changed(): void {
    Atomics.add(this.words, GENERATION, 1);
    Atomics.notify(this.words, GENERATION);
  }

  private lock(): void {
    const words = this.words;
    if (Atomics.compareExchange(words, LOCK, 0, 1) === 0) return;
    for (let spin = 0; spin < LOCK_SPINS; spin++) {
      if (Atomics.load(words, LOCK) === 0 && Atomics.compareExchange(words, LOCK, 0, 1) === 0) return;
    }
    // Held by a thread that may have been descheduled: park rather than burn its core.
    while (Atomics.exchange(words, LOCK, 2) !== 0) Atomics.wait(words, LOCK, 2, 1);
  }

  private unlock(): void {
    if (Atomics.exchange(this.words, LOCK, 0) === 2) Atomics.notify(this.words, LOCK, 1);
  }
}
