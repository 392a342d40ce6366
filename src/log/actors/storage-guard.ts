import type { ActorContext, ActorId } from '../../actors/index.js';
import { isStorageError, reportStorageFailure } from '../../storage/index.js';
import type { ClusterLayout } from '../../protocol/cluster-layout.js';
import { RUNTIME_TIMINGS } from '../../protocol/timings.js';
import { LogMessageType, type StorageFailureMessage } from '../../protocol/wire.js';

/** The timer key a guard arms; the actor hands it back through onTimer(). */
export const STORAGE_RETRY_TIMER_KEY = 'storage-retry';

/**
 * A role's commit point (sync) when the disk may refuse writes. A disk error is not a crash: the
 * role keeps what it could not write pending (the store retries it at the next sync), holds back
 * every reply that depends on it, tells the clients (so their appends fail with StorageFullError
 * instead of timing out), and tries again shortly; once a sync succeeds, everything held goes out
 * and the log resumes by itself. Any other error is a bug and is thrown.
 */
export class StorageGuard {
  private failingSince = -1;
  private lastReportMs = Number.NEGATIVE_INFINITY;
  private retryArmed = false;
  private readonly roles: ReadonlySet<ActorId>;
  failures = 0;

  constructor(
    private readonly context: ActorContext,
    layout: ClusterLayout,
  ) {
    this.roles = new Set([...layout.proposers, ...layout.acceptors, ...layout.learners]);
  }

  get failing(): boolean {
    return this.failingSince >= 0;
  }

  /** Runs `write` (a sync, or an append that writes at once); true if it succeeded. On a disk error: reports, arms a retry, and returns false. */
  trySync(write: () => void): boolean {
    try {
      write();
    } catch (error) {
      if (!isStorageError(error)) throw error;
      this.failures++;
      const now = this.context.now();
      if (this.failingSince < 0) this.failingSince = now;
      if (now - this.lastReportMs >= RUNTIME_TIMINGS.storageFailureReportIntervalMs) {
        this.lastReportMs = now;
        this.report(error);
      }
      if (!this.retryArmed) {
        this.retryArmed = true;
        this.context.setTimer(STORAGE_RETRY_TIMER_KEY, RUNTIME_TIMINGS.storageRetryMs);
      }
      return false;
    }
    this.failingSince = -1;
    return true;
  }

  /** True if `key` is the guard's retry timer: the actor should then run its commit point again. */
  onTimer(key: string): boolean {
    if (key !== STORAGE_RETRY_TIMER_KEY) return false;
    this.retryArmed = false;
    return true;
  }

  /** Every client endpoint hears of it (best effort: a full mailbox skips that client this time). */
  private report(error: NodeJS.ErrnoException & { code: string }): void {
    const message: StorageFailureMessage = { type: LogMessageType.StorageFailure, from: this.context.id, ...reportStorageFailure(error) };
    for (const peer of this.context.peers()) if (!this.roles.has(peer)) this.context.send(peer, message);
  }
}
