import { availableParallelism } from 'node:os';

/**
 * How a receiver waits when its mailbox is empty (the Disruptor's WaitStrategy): poll the rings
 * `spinPollsBeforePark` times, then park on the doorbell. One small piece, so benchmarks can swap it.
 *
 * Spinning only pays while every thread has a core of its own; when threads outnumber cores,
 * a spinning receiver steals the core from the very sender it waits for. So the default spins
 * briefly on small machines and longer on large ones.
 */
export interface WaitStrategy {
  readonly name: string;
  readonly spinPollsBeforePark: number;
}

export const busySpin: WaitStrategy = { name: 'busy-spin', spinPollsBeforePark: Number.POSITIVE_INFINITY };
export const parkAtOnce: WaitStrategy = { name: 'park', spinPollsBeforePark: 0 };

export function spinThenPark(spinPollsBeforePark: number): WaitStrategy {
  if (!(spinPollsBeforePark >= 0)) throw new RangeError(`spinPollsBeforePark must be >= 0, got ${spinPollsBeforePark}`);
  return { name: `spin-${spinPollsBeforePark}-then-park`, spinPollsBeforePark };
}

export function defaultWaitStrategy(): WaitStrategy {
  return availableParallelism() <= 2 ? spinThenPark(64) : spinThenPark(4096);
}
