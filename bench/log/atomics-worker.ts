// The floor a parked closed-loop round trip cannot beat: two threads flipping one shared Int32
// word, each blocking in Atomics.wait until the other notifies. Measured in the same run as the
// log so the single-appender target compares like with like.
import { parentPort, workerData } from 'node:worker_threads';
import { createLatencyHistogram, recordElapsedMs } from '../lib/histogram.js';
import { arriveAndAwaitStart } from '../lib/start-barrier.js';
import type { ResultMessage } from '../lib/worker-group.js';

interface AtomicsData {
  readonly role: 'pinger' | 'ponger';
  readonly word: SharedArrayBuffer;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly startBarrier: SharedArrayBuffer;
}

export interface AtomicsResult {
  readonly p50Microseconds: number;
  readonly samples: number;
}

const PING = 1;
const PONG = 2;
const STOP = 3;
const data = workerData as AtomicsData;
const word = new Int32Array(data.word);
arriveAndAwaitStart(data.startBarrier);
let result: AtomicsResult | { pongs: number };
if (data.role === 'pinger') {
  const histogram = createLatencyHistogram();
  const start = performance.now();
  const measureStart = start + data.warmupMs;
  const measureEnd = measureStart + data.durationMs;
  for (;;) {
    const sent = performance.now();
    Atomics.store(word, 0, PING);
    Atomics.notify(word, 0);
    while (Atomics.load(word, 0) === PING) Atomics.wait(word, 0, PING, 1000);
    const back = performance.now();
    if (sent >= measureStart) recordElapsedMs(histogram, back - sent);
    if (back >= measureEnd) break;
  }
  Atomics.store(word, 0, STOP);
  Atomics.notify(word, 0);
  result = { p50Microseconds: histogram.getValueAtPercentile(50) / 1000, samples: histogram.totalCount };
} else {
  let pongs = 0;
  for (;;) {
    let value = Atomics.load(word, 0);
    while (value !== PING && value !== STOP) {
      Atomics.wait(word, 0, value, 1000);
      value = Atomics.load(word, 0);
    }
    if (value === STOP) break;
    Atomics.store(word, 0, PONG);
    Atomics.notify(word, 0);
    pongs++;
  }
  result = { pongs };
}
parentPort!.postMessage({ type: 'result', result } satisfies ResultMessage<unknown>);
