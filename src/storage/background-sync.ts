// fdatasync off the caller's thread. An actor that synced its file at the end of each turn could
// take no message for as long as the disk took (0.2-1 ms on a VM, milliseconds on a busy disk):
// the Accepts that came meanwhile waited, then waited for a sync of their own. With this, a store
// hands its fd to a helper thread, which runs the system call and, once it returns, wakes the
// requester's thread (a doorbell interrupt); the requester keeps taking and writing messages
// meanwhile, and holds each reply until a sync that covers its writes has returned.
import { getSystemErrorName } from 'node:util';
import { Worker } from 'node:worker_threads';
import { Doorbell, type WakeSignal } from '../mailbox/doorbell.js';

/** Words of the shared state (Int32Array indexes). */
export const SYNC_REQUESTED = 0; // ticket of the latest request
export const SYNC_FINISHED = 1; // ticket of the latest sync that returned
export const SYNC_FD = 2; // the file descriptor to sync for that request
export const SYNC_ERRNO = 3; // errno of the latest sync that returned (0: it succeeded)
export const SYNC_STOP = 4; // 1: the helper ends
export const SYNC_READY = 5; // 1: the helper's loop runs (it takes requests at once)
export const SYNC_WORDS = 6;

/** What a helper thread is given. */
export interface BackgroundSyncData {
  readonly words: SharedArrayBuffer;
  readonly wake: WakeSignal | undefined;
  /** For a helper module of a test's own (see BackgroundSync's threadModule). */
  readonly extra?: unknown;
}

/** errno for a failure that carries none (it should not happen: fdatasync fails with system errors). */
const EIO = -5;

/**
 * The helper thread's loop: waits for a request, runs `sync` on the fd it names, publishes the
 * outcome, wakes the requester; until told to stop. background-sync-thread.ts runs it with
 * fdatasync; a test may run it with a sync it controls.
 */
export function runSyncLoop(data: BackgroundSyncData, sync: (fd: number) => void): void {
  const words = new Int32Array(data.words);
  const wake = data.wake;
  const doorbell = wake === undefined ? undefined : new Doorbell(wake.doorbell);
  let finished = 0;
  Atomics.store(words, SYNC_READY, 1);
  for (;;) {
    // Returns at once if a request came before this thread looked.
    Atomics.wait(words, SYNC_REQUESTED, finished);
    if (Atomics.load(words, SYNC_STOP) === 1) return;
    const ticket = Atomics.load(words, SYNC_REQUESTED);
    if (ticket === finished) continue;
    let errno = 0;
    try {
      sync(Atomics.load(words, SYNC_FD));
    } catch (error) {
      const reported = (error as NodeJS.ErrnoException).errno;
      errno = typeof reported === 'number' && reported !== 0 ? reported : EIO;
    }
    // The outcome before the ticket: whoever sees the ticket reads the right errno.
    Atomics.store(words, SYNC_ERRNO, errno);
    Atomics.store(words, SYNC_FINISHED, ticket);
    finished = ticket;
    Atomics.notify(words, SYNC_FINISHED);
    doorbell?.signal(wake!.bits);
  }
}

/** The error a failed background fdatasync reports: a Node system error's shape, so isStorageError() knows a full or failing disk. */
export function syncError(errno: number, path: string): NodeJS.ErrnoException {
  let code = 'EIO';
  try {
    const name = getSystemErrorName(errno);
    // An errno this platform does not know reads as EIO: a disk error, retried, never mistaken for a bug.
    if (/^E[A-Z0-9]+$/.test(name)) code = name;
  } catch {
    // (not a negative integer: EIO as well)
  }
  return Object.assign(new Error(`${code}: fdatasync failed, '${path}'`), { code, errno, syscall: 'fdatasync', path });
}

/**
 * One helper thread that runs fdatasync for one requester, one sync at a time. request() returns
 * at once; `inFlight` says whether that sync has returned yet, and `errno` how. The thread holds
 * nothing open (unref'd), ends with close(), and ends with the thread that made it.
 *
 * Tickets are Int32 words compared for equality only (one sync in flight at a time), so they wrap
 * past 2^31 - 1 harmlessly (test/storage/background-sync.test.ts runs one across the wrap).
 *
 * If the helper cannot run (its thread failed to start, or died), `broken` is set and the
 * requester must sync on its own thread: a request then never finishes.
 */
export class BackgroundSync {
  private readonly words: Int32Array;
  private readonly worker: Worker;
  private ticket = 0;
  private brokenValue = false;
  private closed = false;

  constructor(
    wake: WakeSignal | undefined,
    /** The helper's module: background-sync-thread.js, or a test's (one that holds or fails syncs), given `threadData`. */
    threadModule: URL = new URL('./background-sync-thread.js', import.meta.url),
    threadData?: unknown,
  ) {
    const words = new SharedArrayBuffer(SYNC_WORDS * 4);
    this.words = new Int32Array(words);
    const data: BackgroundSyncData = { words, wake, extra: threadData };
    // A thread that only makes system calls: a small heap is plenty.
    this.worker = new Worker(threadModule, {
      workerData: data,
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
    });
    this.worker.unref();
    this.worker.on('error', () => (this.brokenValue = true));
    this.worker.on('exit', () => (this.brokenValue = true));
  }

  /** The helper's thread has started and takes requests (it takes a few milliseconds to start). */
  get ready(): boolean {
    return Atomics.load(this.words, SYNC_READY) === 1 && !this.brokenValue;
  }

  /** The helper cannot sync (its thread is gone): sync on the caller's thread instead. */
  get broken(): boolean {
    return this.brokenValue;
  }

  /** Asks for an fdatasync of `fd`; returns its ticket. Only when the previous one has finished. */
  request(fd: number): number {
    if (this.inFlight) throw new Error('a background sync is already running');
    this.ticket = (this.ticket + 1) | 0;
    Atomics.store(this.words, SYNC_FD, fd);
    Atomics.store(this.words, SYNC_REQUESTED, this.ticket);
    Atomics.notify(this.words, SYNC_REQUESTED);
    return this.ticket;
  }

  /** A requested sync has not returned yet. */
  get inFlight(): boolean {
    return Atomics.load(this.words, SYNC_FINISHED) !== this.ticket;
  }

  /** The errno of the last sync that returned (0: success). Read it once inFlight is false. */
  get errno(): number {
    return Atomics.load(this.words, SYNC_ERRNO);
  }

  /**
   * Blocks until the sync in flight returns, or false if the helper is gone (then it never will).
   * For the rare moments that need the file quiet: a rewrite, a close, a synchronous sync().
   */
  waitFinished(): boolean {
    while (this.inFlight) {
      if (this.brokenValue) return false;
      // A bounded wait: the helper's death is noticed on this thread's event loop, not here.
      Atomics.wait(this.words, SYNC_FINISHED, Atomics.load(this.words, SYNC_FINISHED), 100);
      if (this.inFlight && !this.workerAlive()) return false;
    }
    return true;
  }

  /** Ends the helper (after the sync in flight, if any, returns). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.words, SYNC_STOP, 1);
    Atomics.notify(this.words, SYNC_REQUESTED);
  }

  /** The helper's thread still runs (threadId is -1 once it has exited, whether or not this thread has seen the event). */
  private workerAlive(): boolean {
    return this.worker.threadId >= 0;
  }
}
