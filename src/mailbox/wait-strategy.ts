import { availableParallelism } from 'node:os';

/**
 * How a receiver waits when its mailbox is empty (the Disruptor's WaitStrategy): poll the rings
 * `spinPollsBeforePark` times, then keep polling for up to `spinMicroseconds` by the clock, then
 * park on the doorbell. One small piece, so benchmarks can swap it.
 *
 * Spinning only pays while every thread has a core of its own; when threads outnumber cores,
 * a spinning receiver steals the core from the very sender it waits for.
 */
export interface WaitStrategy {
  readonly name: string;
  readonly spinPollsBeforePark: number;
  /** Polling by the clock after the counted polls; absent or 0: none. */
  readonly spinMicroseconds?: number;
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

export function defaultWaitStrategy(): WaitStrategy {
  const experiment = process.env.SYNOD_EXPERIMENT_WAIT;
  if (experiment !== undefined) {
    if (experiment === 'park') return parkAtOnce;
    if (experiment.endsWith('us')) return spinForThenPark(Number(experiment.slice(0, -2)));
    return spinThenPark(Number(experiment));
  }
  return availableParallelism() <= 2 ? spinThenPark(64) : spinThenPark(4096);
}
