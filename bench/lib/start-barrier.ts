import { parentPort } from 'node:worker_threads';

/**
 * Starts the workers of one measurement together: each worker finishes its setup, says `ready`
 * to the main thread and blocks on a shared word; once every worker is ready the main thread
 * flips the word and wakes them all with one notify. Without it the first worker to load would
 * run alone for a few milliseconds and measure an idle peer.
 */
const START_INDEX = 0;

export function createStartBarrier(): SharedArrayBuffer {
  return new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
}

/** Main thread: lets every worker waiting at the barrier go. */
export function openStartBarrier(barrier: SharedArrayBuffer): void {
  const words = new Int32Array(barrier);
  Atomics.store(words, START_INDEX, 1);
  Atomics.notify(words, START_INDEX);
}

/** The message a worker posts when it is ready; see WorkerGroup. */
export interface ReadyMessage {
  readonly type: 'ready';
}

/** Worker thread: reports ready, then blocks until the main thread opens the barrier. */
export function arriveAndAwaitStart(barrier: SharedArrayBuffer): void {
  const words = new Int32Array(barrier);
  parentPort!.postMessage({ type: 'ready' } satisfies ReadyMessage);
  while (Atomics.load(words, START_INDEX) === 0) Atomics.wait(words, START_INDEX, 0);
}
