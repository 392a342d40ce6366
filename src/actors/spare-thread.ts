import { Worker } from 'node:worker_threads';

/** How long after the last spawn or adoption a new spare starts: never while a start is under way. */
const SPARE_START_DELAY_MS = 500;

/** What a spare worker host is told when it is adopted (see worker-host.ts). */
export interface SpareAdoption {
  readonly type: 'synod.adopt';
  readonly workerName: string;
  readonly doorbell: SharedArrayBuffer;
}

/**
 * One worker thread started ahead of need, idle, with the behaviour modules already loaded, so
 * that a restart after a crash does not wait for a thread to boot and compile its modules: a
 * fresh Worker takes 30-100 ms on an idle 2-core machine and several hundred ms on a busy one,
 * most of a restart (what the restarted actor then replays from its store is the rest).
 *
 * The spare is started SPARE_START_DELAY_MS after the last spawn or adoption (never in the
 * middle of a start, which it would slow down on a small machine), is handed its name and
 * doorbell when taken, and a new one follows. It costs one idle thread (a few MB).
 */
export class SpareThread {
  private worker: Worker | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly preload = new Set<string>();

  constructor(private readonly hostUrl: URL) {}

  /** The thread id of the spare ready now, if any (for inspection and tests). */
  get readyThreadId(): number | undefined {
    return this.worker?.threadId;
  }

  /** A behaviour module the next spare should load ahead (a module URL). */
  remember(module: string): void {
    this.preload.add(module);
  }

  /** (Re)arms the start of a spare, if none is ready: call after each spawn and adoption. */
  prepare(): void {
    if (this.closed || this.worker !== undefined) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.start(), SPARE_START_DELAY_MS).unref();
  }

  /**
   * The spare, now running as worker `workerName` on `doorbell`, or undefined if none is ready
   * (the caller starts a Worker of its own). Posted before any other message, so the host takes
   * its name before its first control call.
   */
  take(workerName: string, doorbell: SharedArrayBuffer): Worker | undefined {
    const worker = this.worker;
    if (worker === undefined) return undefined;
    this.worker = undefined;
    worker.removeAllListeners('exit');
    worker.removeAllListeners('error');
    worker.ref();
    const adoption: SpareAdoption = { type: 'synod.adopt', workerName, doorbell };
    worker.postMessage(adoption);
    this.prepare();
    return worker;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private start(): void {
    if (this.closed || this.worker !== undefined) return;
    const worker = new Worker(this.hostUrl, { workerData: { spare: { preload: [...this.preload] } }, name: 'synod-spare' });
    // An idle spare must not keep the process alive; once adopted, its actors do (like any worker).
    worker.unref();
    const lost = (): void => {
      if (this.worker === worker) this.worker = undefined;
      this.prepare();
    };
    worker.once('exit', lost);
    worker.on('error', () => undefined); // its exit follows; a spare has no actor to report
    this.worker = worker;
  }
}
