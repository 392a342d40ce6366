// Appends from worker threads, followed live on the main thread. Run it with `node threads.mjs`.
import { once } from 'node:events';
import { Worker, isMainThread, workerData } from 'node:worker_threads';
import { ReplicatedLog } from 'synod';

const THREADS = 4;
const APPENDS_PER_THREAD = 250;

if (isMainThread) {
  const log = await ReplicatedLog.open();
  try {
    // A handle is structured-cloneable: hand it to any number of threads (or a piscina pool).
    const exits = Array.from({ length: THREADS }, (_, thread) =>
      once(new Worker(new URL(import.meta.url), { workerData: { handle: log.handle(), thread } }), 'exit'));

    // A follow read hands over every entry as it commits, in log order, and waits for more.
    const perThread = new Array(THREADS).fill(0);
    const decoder = new TextDecoder();
    for await (const { data } of log.read({ from: 0, follow: true })) {
      const [thread, n] = decoder.decode(data).split(':').map(Number);
      if (n !== perThread[thread]) throw new Error(`thread ${thread}: entry ${n} out of order`);
      perThread[thread]++;
      if (perThread.every((count) => count === APPENDS_PER_THREAD)) break; // ends the read
    }
    await Promise.all(exits);
    console.log(`followed ${THREADS * APPENDS_PER_THREAD} entries from ${THREADS} threads, each thread's in its order`);
  } finally {
    await log.close();
  }
} else {
  const log = await ReplicatedLog.connect(workerData.handle);
  try {
    const encoder = new TextEncoder();
    // One after another, so this thread's entries are in the log in this order.
    for (let n = 0; n < APPENDS_PER_THREAD; n++) await log.append(encoder.encode(`${workerData.thread}:${n}`));
  } finally {
    await log.close(); // disconnects this thread; the log goes on
  }
}
