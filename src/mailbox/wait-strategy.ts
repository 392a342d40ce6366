import { availableParallelism } from 'node:os';

/**
 * How a receiver waits when its mailbox is empty (the Disruptor's WaitStrategy): poll the rings
 * `spinPollsBeforePark` times, then keep polling for up to `spinMicroseconds` by the clock, then
 * park on the doorbell. One small piece, so benchmarks can swap it.
 *
 * Spinning only pays while every thread has a core of its own; when threads outnumber cores,
 * a spinning receiver steals the core from the very sender it waits for. Hence the adaptive spin
 * of defaultWaitStrategy().
 */
export interface WaitStrategy {
  readonly name: string;
  readonly spinPollsBeforePark: number;
  /** Polling by the clock after the counted polls; absent or 0: none. */
  readonly spinMicroseconds?: number;
  /** If true, spinMicroseconds is the most: each Inbox shrinks its spin while spins fail and grows it while they pay (see Inbox). */
  readonly adaptiveSpin?: boolean;
}

export const busySpin: WaitStrategy = { name: 'busy-spin', spinPollsBeforePark: Number.POSITIVE_INFINITY };
export const parkAtOnce: WaitStrategy = { name: 'park', spinPollsBeforePark: 0 };

export function spinThenPark(spinPollsBeforePark: number): WaitStrategy {
  if (!(spinPollsBeforePark >= 0)) throw new RangeError(`spinPollsBeforePark must be >= 0, got ${spinPollsBeforePark}`);
  return { name: `spin-${spinPollsBeforePark}-then-park`, spinPollsBeforePark };
}

/** Polls for `spinMicroseconds` by the clock (however many polls that is on this machine), then parks. */
export function spinForThenPark(spinMicroseconds: number): WaitStrategy {
  if (!(spinMicroseconds >= 0 && Number.isFinite(spinMicroseconds))) throw new RangeError(`spinMicroseconds must be finite and >= 0, got ${spinMicroseconds}`);
  return { name: `spin-${spinMicroseconds}us-then-park`, spinPollsBeforePark: 0, spinMicroseconds };
}

/** Spins by the clock for up to `maxSpinMicroseconds`, less while spinning does not pay, then parks. */
export function adaptiveSpinThenPark(maxSpinMicroseconds: number): WaitStrategy {
  if (!(maxSpinMicroseconds >= 0 && Number.isFinite(maxSpinMicroseconds))) throw new RangeError(`maxSpinMicroseconds must be finite and >= 0, got ${maxSpinMicroseconds}`);
  return { name: `adaptive-spin-${maxSpinMicroseconds}us-then-park`, spinPollsBeforePark: 0, spinMicroseconds: maxSpinMicroseconds, adaptiveSpin: true };
}

/**
 * The one place that decides how receivers wait. Always an adaptive clock-timed spin, because the
 * spin that pays depends on the load, not just on the core count: measured on a shared 2-core
 * machine (Node 20), a ping-pong with codec took about 15 us with the old 64-poll spin (under
 * 1 us of polling, so both sides parked every time) and with parking at once, about 1.5 us with a
 * 10-30 us spin while both threads had a core, and 30-70 us with the fixed spin once neighbours
 * took a core; the adaptive spin stayed at 1.5 us or fell back to about 15 us, never worse.
 * Small machines cap the spin lower, since a spinner there more often stands in its peer's way;
 * many-core machines (more cores than busy threads) can afford longer spins.
 */
export function defaultWaitStrategy(): WaitStrategy {
  return availableParallelism() <= 2 ? adaptiveSpinThenPark(SMALL_MACHINE_MAX_SPIN_MICROSECONDS) : adaptiveSpinThenPark(LARGE_MACHINE_MAX_SPIN_MICROSECONDS);
}

export const SMALL_MACHINE_MAX_SPIN_MICROSECONDS = 20;
export const LARGE_MACHINE_MAX_SPIN_MICROSECONDS = 100;
