import { Worker } from 'node:worker_threads';
import { createStartBarrier, openStartBarrier } from './start-barrier.js';

/**
 * Persistent load-generator threads. Unlike runWorkerGroup (one measurement, then terminate),
 * a pool keeps its workers, and whatever they connected to (a log handle connects once), across
 * the repeated runs of one configuration. Every run starts all workers together behind a fresh
 * start barrier.
 *
 * Protocol, worker side: post {type:'connected'} once set up; on {type:'run', ...} post
 * {type:'ready'} (arriveAndAwaitStart does), run, post {type:'result', result}; on {type:'close'}
 * let go of everything and post {type:'closed'}. Errors fail the current call.
 */
export interface PoolWorkerSpec {
  readonly entry: URL;
  readonly data: Readonly<Record<string, unknown>>;
}

type Message = { type: 'connected' } | { type: 'ready' } | { type: 'result'; result: unknown } | { type: 'closed' };

interface Slot {
  readonly worker: Worker;
  readonly waiting: Array<{ type: Message['type']; resolve(message: Message): void; reject(error: unknown): void }>;
  failure: unknown;
}

export class LoadPool {
  private constructor(private readonly slots: Slot[]) {}

  static async start(specs: readonly PoolWorkerSpec[], timeoutMs: number): Promise<LoadPool> {
    const slots: Slot[] = specs.map((spec) => {
      const slot: Slot = { worker: new Worker(spec.entry, { workerData: spec.data }), waiting: [], failure: undefined };
      const fail = (error: unknown): void => {
        slot.failure ??= error;
        for (const waiter of slot.waiting.splice(0)) waiter.reject(error);
      };
      slot.worker.on('message', (message: Message) => {
        const at = slot.waiting.findIndex((waiter) => waiter.type === message.type);
        if (at >= 0) slot.waiting.splice(at, 1)[0]!.resolve(message);
      });
      slot.worker.on('error', fail);
      slot.worker.on('exit', (code) => fail(new Error(`load worker exited (code ${code})`)));
      return slot;
    });
    const pool = new LoadPool(slots);
    try {
      await pool.expectAll('connected', timeoutMs);
    } catch (error) {
      await pool.terminate();
      throw error;
    }
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  /** One run: every worker gets `params` (plus its start barrier), all start together; results in worker order. */
  async run<T>(params: Readonly<Record<string, unknown>>, timeoutMs: number, onStart?: () => void): Promise<T[]> {
    const barrier = createStartBarrier();
    const ready = this.expectAll('ready', timeoutMs);
    const results = this.slots.map((slot) => this.expect(slot, 'result'));
    results.forEach((p) => p.catch(() => undefined));
    for (const slot of this.slots) slot.worker.postMessage({ type: 'run', startBarrier: barrier, ...params });
    await ready;
    onStart?.();
    openStartBarrier(barrier);
    const all = await withTimeout(Promise.all(results), timeoutMs, 'load workers did not finish their run');
    return all.map((message) => (message as { result: T }).result);
  }

  /**
   * Asks every worker to disconnect, then terminates them (a worker that hangs is terminated
   * anyway). Once: a later call waits for the first, so a suite may close in its error path too
   * (a pool left open keeps the process alive after the suite failed).
   */
  close(timeoutMs = 5000): Promise<void> {
    this.closing ??= this.closeOnce(timeoutMs);
    return this.closing;
  }

  private closing: Promise<void> | undefined;

  private async closeOnce(timeoutMs: number): Promise<void> {
    const closed = this.slots.map((slot) => this.expect(slot, 'closed'));
    for (const slot of this.slots) if (slot.failure === undefined) slot.worker.postMessage({ type: 'close' });
    await withTimeout(Promise.allSettled(closed), timeoutMs, 'close').catch(() => undefined);
    await this.terminate();
  }

  private async terminate(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.worker.terminate().catch(() => undefined)));
  }

  private expectAll(type: Message['type'], timeoutMs: number): Promise<Message[]> {
    return withTimeout(Promise.all(this.slots.map((slot) => this.expect(slot, type))), timeoutMs, `load workers did not reach '${type}'`);
  }

  private expect(slot: Slot, type: Message['type']): Promise<Message> {
    if (slot.failure !== undefined) return Promise.reject(slot.failure);
    return new Promise((resolve, reject) => slot.waiting.push({ type, resolve, reject }));
  }
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
