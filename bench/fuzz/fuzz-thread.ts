// A fuzz trial's other threads, each connected with the log's handle: an appender, and a follower
// that reads with follow: true from index 0 until told where the log ends, sending back each
// entry's index, length and checksum.
import { parentPort, workerData } from 'node:worker_threads';
import { ReplicatedLog, type LogHandle } from '../../src/index.js';
import { appendAll, checksum } from './entries.js';

export type FuzzThreadData =
  | { readonly mode: 'append'; readonly handle: LogHandle; readonly thread: number; readonly sizes: number[]; readonly lanes: number }
  | { readonly mode: 'follow'; readonly handle: LogHandle };

/** What a follower saw: [index, length, checksum] per entry, in the order read; or the error that ended its read. */
export interface FollowOutcome {
  readonly seen: Array<[number, number, number]>;
  readonly error?: string;
}

const data = workerData as FuzzThreadData;
const log = await ReplicatedLog.connect(data.handle);
if (data.mode === 'append') {
  parentPort!.postMessage(await appendAll((bytes) => log.append(bytes), data.thread, data.sizes, data.lanes));
} else {
  const seen: Array<[number, number, number]> = [];
  let endIndex = Number.POSITIVE_INFINITY;
  const abort = new AbortController();
  const told = (end: number): void => {
    endIndex = end;
    // Everything below the end was read already: the read waits for entries that will not come.
    if (seen.length > 0 && seen[seen.length - 1]![0] + 1 >= end) abort.abort();
  };
  parentPort!.on('message', told);
  let error: string | undefined;
  try {
    for await (const { index, data: bytes } of log.read({ from: 0, follow: true, signal: abort.signal })) {
      seen.push([index, bytes.length, checksum(bytes)]);
      if (index + 1 >= endIndex) break;
    }
  } catch (caught) {
    if ((caught as Error).name !== 'AbortError') error = `${(caught as Error).name}: ${(caught as Error).message}`;
  }
  parentPort!.postMessage({ seen, ...(error === undefined ? {} : { error }) } satisfies FollowOutcome);
  // The thread ends by itself once the log is closed (a listener would keep it).
  parentPort!.off('message', told);
}
await log.close();
