import { Worker, type Transferable } from 'node:worker_threads';
import { createStartBarrier, openStartBarrier, type ReadyMessage } from './start-barrier.js';

export interface WorkerSpec {
  /** Compiled JavaScript entry (a `new URL('./worker.js', import.meta.url)`). */
  readonly entry: URL;
  /** Becomes `workerData`, with the start barrier added as `startBarrier`. */
  readonly data: Readonly<Record<string, unknown>>;
  readonly transferList?: readonly Transferable[];
}

export interface ResultMessage<T> {
  readonly type: 'result';
  readonly result: T;
}

/** Worker thread: hands its result to the main thread. */
export type WorkerMessage<T> = ReadyMessage | ResultMessage<T>;

/**
 * Runs one measurement: starts every worker, waits until all are ready, opens the start barrier,
 * and collects one result from each (in spec order). A worker that throws, exits early, or
 * overruns `timeoutMs` fails the whole group, and every worker is terminated at the end either
 * way, so a hung peer never outlives its measurement.
 */
export async function runWorkerGroup<T>(specs: readonly WorkerSpec[], timeoutMs: number): Promise<T[]> {
  const startBarrier = createStartBarrier();
  const workers = specs.map(
    (spec) =>
      new Worker(spec.entry, {
        workerData: { ...spec.data, startBarrier },
        transferList: spec.transferList ? [...spec.transferList] : [],
      }),
  );
  let timer: NodeJS.Timeout | undefined;
  try {
    const ready = workers.map(() => deferred<void>());
    const results = workers.map(() => deferred<T>());
    workers.forEach((worker, index) => {
      const fail = (error: unknown): void => {
        ready[index]!.reject(error);
        results[index]!.reject(error);
      };
      worker.on('message', (message: WorkerMessage<T>) => {
        if (message.type === 'ready') ready[index]!.resolve();
        else results[index]!.resolve(message.result);
      });
      worker.once('error', fail);
      worker.once('exit', (code) => fail(new Error(`benchmark worker ${index} exited (code ${code}) before reporting`)));
    });
    const overrun = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`benchmark workers did not finish within ${timeoutMs} ms`)), timeoutMs);
    });
    await Promise.race([Promise.all(ready.map((d) => d.promise)), overrun]);
    openStartBarrier(startBarrier);
    return await Promise.race([Promise.all(results.map((d) => d.promise)), overrun]);
  } finally {
    clearTimeout(timer);
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // The group awaits only some of these (the rest lose a race); never report them as unhandled.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
