import { performance } from 'node:perf_hooks';

/**
 * Keeps a loop of fast promises from starving its own thread's event loop.
 *
 * A promise that resolves at once (a sequencer's `next()` with numbers on hand) continues its
 * awaiting caller in a microtask: a loop that only awaits such calls never lets the event loop
 * run, so nothing else on that thread moves (timers, I/O, and the mailbox wake-ups that settle
 * its own appends, which arrive as tasks of `Atomics.waitAsync`). On a thread whose window the
 * owner keeps refilled, such a loop could run for as long as the caller liked.
 *
 * TurnYield bounds that: every CHECK_EVERY fast calls it looks whether a turn of the event loop
 * (a setImmediate it armed, which runs after the timers and I/O of that turn) has happened within
 * YIELD_AFTER_MS; if not, the callers' values are handed over after a setImmediate instead, which
 * lets that turn run first. setImmediate callbacks run in the order they were armed, so the
 * marker runs before the values handed over, and a caller's values still arrive in take order.
 * So a fast loop gives the rest of its thread a turn about every YIELD_AFTER_MS, at the cost of
 * two setImmediates per millisecond of busy looping; callers that yield anyway (any real I/O
 * between calls) never pay the detour.
 */
const CHECK_EVERY = 256;
/** The longest a loop of fast calls keeps its event loop from a turn (plus one check's calls). */
export const YIELD_AFTER_MS = 1;

export class TurnYield {
  private callsSinceCheck = 0;
  /** A marker setImmediate is out: when it was armed (performance.now()), or -1 for none. */
  private markerArmedAtMs = -1;
  /**
   * The marker is overdue: every fast call goes through setImmediate until it has run. All of
   * them, not one per check: with many calls in flight, the others would keep the loop busy.
   */
  private overdue = false;
  /** The turn the values handed over now wait for (see later()). */
  private gate: Promise<void> | undefined;
  private readonly marker = (): void => {
    this.markerArmedAtMs = -1;
    this.overdue = false;
  };

  /** Counts a fast call; true when it should hand its value over through setImmediate. */
  due(): boolean {
    if (this.overdue) return true;
    if (++this.callsSinceCheck < CHECK_EVERY) return false;
    this.callsSinceCheck = 0;
    const nowMs = performance.now();
    if (this.markerArmedAtMs < 0) {
      // The event loop turned since the last marker (or none was ever armed): arm the next one.
      this.markerArmedAtMs = nowMs;
      setImmediate(this.marker);
      return false;
    }
    this.overdue = nowMs - this.markerArmedAtMs >= YIELD_AFTER_MS;
    return this.overdue;
  }

  /**
   * A promise of `value` that settles after a turn of the event loop. Every value handed over
   * in one overdue stretch waits on one shared setImmediate (its callbacks run in call order):
   * one per call cost a tenth of a busy loop's throughput with 256 calls in flight.
   */
  later<T>(value: T): Promise<T> {
    this.gate ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        this.gate = undefined;
        resolve();
      }),
    );
    return this.gate.then(() => value);
  }
}
