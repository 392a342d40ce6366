import { createLatencyHistogram, recordElapsedMs, summarizeLatency } from '../lib/histogram.js';
import { arriveAndAwaitStart } from '../lib/start-barrier.js';
import { required, type PingerResult, type PongerResult, type RoundTripWorkerData } from './protocol.js';
import { MeasurementWindow } from './window.js';

/**
 * The floor for a parked round trip: two threads flipping one shared Int32 word, each blocking
 * in Atomics.wait until the other notifies. No ring, no codec, no spinning: just the two
 * wake-ups every parked round trip must pay.
 */

const WORD_INDEX = 0;
const PING = 1;
const PONG = 2;
const STOP = 3;
const WAIT_TIMEOUT_MS = 1000;

export function atomicsPinger(data: RoundTripWorkerData): PingerResult {
  const word = new Int32Array(required(data.word, 'word'));
  const histogram = createLatencyHistogram();
  arriveAndAwaitStart(data.startBarrier);
  const window = new MeasurementWindow(performance.now(), data.warmupMs, data.durationMs);
  let measured = 0;
  let firstMeasuredMs = -1;
  let lastMs = 0;
  for (;;) {
    const sentMs = performance.now();
    Atomics.store(word, WORD_INDEX, PING);
    Atomics.notify(word, WORD_INDEX);
    while (Atomics.load(word, WORD_INDEX) === PING) Atomics.wait(word, WORD_INDEX, PING, WAIT_TIMEOUT_MS);
    lastMs = performance.now();
    if (sentMs >= window.measureStartMs) {
      if (firstMeasuredMs < 0) firstMeasuredMs = sentMs;
      recordElapsedMs(histogram, lastMs - sentMs);
      measured++;
    }
    if (lastMs >= window.measureEndMs) break;
  }
  Atomics.store(word, WORD_INDEX, STOP);
  Atomics.notify(word, WORD_INDEX);
  return {
    ...summarizeLatency(histogram),
    roundTripsPerSecond: measured / ((lastMs - firstMeasuredMs) / 1000),
    mismatches: 0,
    waitStrategy: 'park at once',
  };
}

export function atomicsPonger(data: RoundTripWorkerData): PongerResult {
  const word = new Int32Array(required(data.word, 'word'));
  let pongs = 0;
  arriveAndAwaitStart(data.startBarrier);
  for (;;) {
    let value = Atomics.load(word, WORD_INDEX);
    while (value !== PING && value !== STOP) {
      Atomics.wait(word, WORD_INDEX, value, WAIT_TIMEOUT_MS);
      value = Atomics.load(word, WORD_INDEX);
    }
    if (value === STOP) return { pongs };
    Atomics.store(word, WORD_INDEX, PONG);
    Atomics.notify(word, WORD_INDEX);
    pongs++;
  }
}
