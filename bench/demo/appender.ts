// Demo worker: appends to the log through a handle, `lanes` appends in flight, until told to
// stop; records when each append started and committed (absolute ms) and where it landed.
import { parentPort, workerData } from 'node:worker_threads';
import { ReplicatedLog, type LogHandle } from '../../src/index.js';

interface AppenderData {
  handle: LogHandle;
  writer: number;
  lanes: number;
  entryBytes: number;
  /** Int32 word: becomes 1 when the demo wants the appenders to stop. */
  stop: SharedArrayBuffer;
}

export interface AppendRecord {
  seq: number;
  startedMs: number;
  committedMs: number;
  /** The index it resolved to, or -1 if it rejected. */
  index: number;
}

const { handle, writer, lanes, entryBytes, stop } = workerData as AppenderData;
const stopWord = new Int32Array(stop);
const now = () => performance.timeOrigin + performance.now();
const log = await ReplicatedLog.connect(handle);
const records: AppendRecord[] = [];
let nextSeq = 0;

function entry(seq: number): Uint8Array {
  const bytes = new Uint8Array(Math.max(8, entryBytes));
  const view = new DataView(bytes.buffer);
  view.setUint32(0, writer, true);
  view.setUint32(4, seq, true);
  return bytes;
}

async function lane(): Promise<void> {
  while (Atomics.load(stopWord, 0) === 0) {
    const seq = nextSeq++;
    const startedMs = now();
    let index = -1;
    try {
      index = await log.append(entry(seq));
    } catch {
      // rejected (retryable): recorded as -1
    }
    records.push({ seq, startedMs, committedMs: now(), index });
  }
}

await Promise.all(Array.from({ length: lanes }, lane));
await log.close();
parentPort!.postMessage({ writer, records });
