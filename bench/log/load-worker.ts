// A load-generator thread (see bench/lib/load-pool.ts): connects once to a synod log, a synod
// sequencer or an etcd cluster, then runs closed-loop measurements on request: `lanes`
// operations in flight, each lane issuing its next operation as soon as the previous one is done.
//
// Two kinds of run:
// - 'window': warm-up, then a measured window; counts operations completed inside the window,
//   records the latency of those started inside it (hdr histogram, sent back encoded), and this
//   thread's own minor GCs in the window.
// - 'timeline': runs until the main thread sets the stop word; counts completions per time bucket
//   and, for each leader kill the main thread announces (shared kill times + kill count), the
//   first completion after it (any operation) and the first completion of an operation issued
//   after the kill had taken effect.
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { ReplicatedLog, Sequencer } from '../../src/index.js';
import { tagEntry } from '../lib/append-tag.js';
import { MinorGcCounter } from '../lib/gc-counter.js';
import { createRecordingHistogram, loadRecordingHistograms, recordElapsedMs } from '../lib/histogram.js';
import { arriveAndAwaitStart } from '../lib/start-barrier.js';
import {
  CONTROL_COMPLETIONS,
  CONTROL_KILLS,
  CONTROL_KILL_TIMES_BYTE,
  CONTROL_STOP,
  ISSUED_AFTER_KILL_MAX,
  ISSUED_AFTER_KILL_WINDOW_MS,
  SEQUENCER_CLOCK_EVERY,
  type LoadWorkerData,
  type TimelineResult,
  type TimelineRunParams,
  type WindowResult,
  type WindowRunParams,
} from './load-protocol.js';

type Operation = () => Promise<number>;

/** The little of the etcd3 package this uses. */
interface EtcdModule {
  Etcd3: new (options: { hosts: string[] }) => {
    put(key: string): { value(value: Buffer): Promise<unknown> };
    close(): void;
  };
}

interface Connection {
  /** A fresh operation per lane (a lane may keep private state, such as its entry). */
  lane(laneIndex: number): Operation;
  close(): Promise<void>;
}

const data = workerData as LoadWorkerData;
const port = parentPort!;
const now = (): number => performance.now();
const absoluteNow = (): number => performance.timeOrigin + performance.now();

async function connect(): Promise<Connection> {
  const driver = data.driver;
  if (driver.kind === 'log') {
    const log = await ReplicatedLog.connect(driver.handle);
    const writer = driver.tagWriter;
    return {
      lane(laneIndex) {
        if (writer !== undefined) {
          let seq = 0;
          return () => log.append(tagEntry(data.entryBytes, writer, laneIndex, seq++));
        }
        const entry = new Uint8Array(data.entryBytes).fill(0x5a); // never modified: one allocation per lane
        return () => log.append(entry);
      },
      close: () => log.close(),
    };
  }
  if (driver.kind === 'sequencer') {
    const sequencer = await Sequencer.connect(driver.handle);
    const bulk = driver.bulk ?? 1;
    return { lane: () => (bulk === 1 ? () => sequencer.next() : () => sequencer.next(bulk)), close: () => sequencer.close() };
  }
  // An optional dependency (absent after `npm install --omit=optional`): loaded by name, so the build does not need its types.
  const moduleName = 'etcd3';
  const { Etcd3 } = (await import(moduleName)) as EtcdModule;
  const client = new Etcd3({ hosts: [...driver.endpoints] });
  return {
    lane(laneIndex) {
      const key = `${driver.keyPrefix}/${laneIndex}`;
      const value = Buffer.alloc(data.entryBytes, 0x5a);
      return async () => {
        await client.put(key).value(value);
        return 0;
      };
    },
    close: async () => client.close(),
  };
}

async function windowRun(connection: Connection, params: WindowRunParams & { startBarrier: SharedArrayBuffer }): Promise<WindowResult> {
  await loadRecordingHistograms();
  const histogram = createRecordingHistogram();
  const gcs = new MinorGcCounter();
  const operations = Array.from({ length: data.lanes }, (_, i) => connection.lane(i));
  gcs.start();
  arriveAndAwaitStart(params.startBarrier);
  const startMs = now();
  const measureStartMs = startMs + params.warmupMs;
  const measureEndMs = measureStartMs + params.durationMs;
  let completed = 0;
  let failed = 0;
  let outOfOrder = 0;
  let firstError: string | undefined;
  let lastEndMs = measureEndMs;
  // A sequencer's next() mostly resolves from numbers on hand, in about the time a clock reading
  // takes on a VM (~100 ns): timing every call would measure the clock. Its lanes read the clock
  // on one call in SEQUENCER_CLOCK_EVERY (those calls' latencies are the recorded sample) and
  // place the others by the lane's last reading, at most that many calls stale.
  const sequencer = data.driver.kind === 'sequencer';
  const clockMask = sequencer ? SEQUENCER_CLOCK_EVERY - 1 : 0;
  const lane = async (operation: Operation): Promise<void> => {
    let previous = -1;
    let calls = 0;
    let clockMs = now();
    for (;;) {
      const timed = (calls++ & clockMask) === 0;
      const t0 = timed ? (clockMs = now()) : clockMs;
      if (t0 >= measureEndMs) return;
      let value: number;
      try {
        value = await operation();
      } catch (error) {
        if (t0 >= measureStartMs) failed++;
        firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        continue;
      }
      const t1 = timed ? (clockMs = now()) : clockMs;
      if (sequencer && value <= previous) outOfOrder++;
      previous = value;
      if (timed && t0 >= measureStartMs) recordElapsedMs(histogram, t1 - t0);
      if (t1 >= measureStartMs && t1 < measureEndMs) completed++;
      if (t1 > lastEndMs) lastEndMs = t1;
    }
  };
  await Promise.all(operations.map(lane));
  const minorGcs = await gcs.countMinorBetween(measureStartMs, measureEndMs);
  const encoded = encodeIntoCompressedBase64(histogram);
  histogram.destroy();
  return {
    completed,
    failed,
    elapsedMs: params.durationMs,
    histogram: encoded,
    minorGcs,
    outOfOrder,
    ...(firstError === undefined ? {} : { firstError }),
  };
}

async function timelineRun(connection: Connection, params: TimelineRunParams & { startBarrier: SharedArrayBuffer }): Promise<TimelineResult> {
  const control = new Int32Array(params.control, 0, 4);
  const killTimes = new Float64Array(params.control, CONTROL_KILL_TIMES_BYTE, params.killsMax);
  const perBucket = new Array<number>(params.buckets).fill(0);
  const firstAfter = new Array<number>(params.killsMax).fill(Infinity);
  const firstIssuedAfter = new Array<number>(params.killsMax).fill(Infinity);
  const issuedAfterKill = Array.from({ length: params.killsMax }, (): Array<[number, number]> => []);
  const operations = Array.from({ length: data.lanes }, (_, i) => connection.lane(i));
  const tagged = data.driver.kind === 'log' && data.driver.tagWriter !== undefined;
  const acknowledged = operations.map((): number[] => []);
  let completed = 0;
  let failed = 0;
  arriveAndAwaitStart(params.startBarrier);
  const lane = async (operation: Operation, laneIndex: number): Promise<void> => {
    const acks = acknowledged[laneIndex]!;
    while (Atomics.load(control, CONTROL_STOP) === 0) {
      const killsAtStart = Atomics.load(control, CONTROL_KILLS);
      const t0 = absoluteNow();
      let index: number;
      try {
        index = await operation();
      } catch {
        failed++;
        if (tagged) acks.push(-1);
        continue;
      }
      if (tagged) acks.push(index);
      const t1 = absoluteNow();
      // The latest kill requested before this operation was issued, if it was issued soon after.
      for (let k = params.killsMax - 1; k >= 0; k--) {
        const killMs = killTimes[k]!;
        if (killMs === 0 || killMs > t0) continue;
        const records = issuedAfterKill[k]!;
        if (t0 - killMs < ISSUED_AFTER_KILL_WINDOW_MS && records.length < ISSUED_AFTER_KILL_MAX) records.push([t0, t1]);
        break;
      }
      completed++;
      Atomics.add(control, CONTROL_COMPLETIONS, 1);
      const bucket = Math.floor((t1 - params.baseMs) / params.bucketMs);
      if (bucket >= 0 && bucket < params.buckets) perBucket[bucket]!++;
      if (killsAtStart > 0 && t1 < firstIssuedAfter[killsAtStart - 1]!) firstIssuedAfter[killsAtStart - 1] = t1;
      // The kill time is written before the kill is requested; the count only once it took effect.
      for (let k = 0; k < params.killsMax; k++) {
        const killMs = killTimes[k]!;
        if (killMs > 0 && t1 >= killMs && t1 < firstAfter[k]!) firstAfter[k] = t1;
      }
    }
  };
  await Promise.all(operations.map(lane));
  return {
    completed,
    failed,
    perBucket,
    firstCompletionAfterKill: firstAfter,
    firstCompletionIssuedAfterKill: firstIssuedAfter,
    issuedAfterKill,
    ...(tagged && data.driver.kind === 'log' ? { writer: data.driver.tagWriter, acknowledged } : {}),
  };
}

const connection = await connect();
port.on('message', (message: { type: string } & Record<string, unknown>) => {
  if (message.type === 'close') {
    void connection.close().finally(() => {
      port.postMessage({ type: 'closed' });
      port.close();
    });
    return;
  }
  if (message.type !== 'run') return;
  const run =
    message.mode === 'window'
      ? windowRun(connection, message as unknown as WindowRunParams & { startBarrier: SharedArrayBuffer })
      : timelineRun(connection, message as unknown as TimelineRunParams & { startBarrier: SharedArrayBuffer });
  run.then(
    (result) => port.postMessage({ type: 'result', result }),
    (error: unknown) => {
      throw error;
    },
  );
});
port.postMessage({ type: 'connected' });
