import type { RecordStore } from '../../storage/index.js';

/** The least and the most a store is faulted in ahead of its end. */
export const PREFAULT_AHEAD_MIN_BYTES = 64 * 1024;
export const PREFAULT_AHEAD_MAX_BYTES = 8 * 1024 * 1024;
/** Touched per idle() call: 8 pages, tens of microseconds, so a message arriving meanwhile waits little. */
export const PREFAULT_BUDGET_BYTES = 32 * 1024;
/** How long the largest burst seen counts for the distance ahead. */
const BURST_WINDOW_MS = 1000;

/**
 * A store in memory faulted in ahead of its end while its thread is idle (RecordStore.prefault),
 * by as much as the next bursts of records will need: four times the most the store grew between
 * two idle moments in the last second or so, from PREFAULT_AHEAD_MIN_BYTES to
 * PREFAULT_AHEAD_MAX_BYTES. Sized by what the thread writes, so a log of small entries holds
 * little memory ahead (the memory suite counts it per entry), and a burst of 64 KiB entries finds
 * its pages ready. Does nothing for a store without prefault() (a file).
 */
export class IdlePrefault {
  private lastSizeBytes: number;
  private burstPeakBytes = 0;
  private windowPeakBytes = 0;
  private windowStartMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly store: RecordStore) {
    this.lastSizeBytes = store.sizeBytes;
  }

  /** One idle moment's work; true if it touched anything (Actor.idle). */
  run(nowMs: number): boolean {
    const store = this.store;
    if (store.prefault === undefined) return false;
    const sizeBytes = store.sizeBytes;
    // A trim shrinks the store: that is no burst.
    const grownBytes = Math.max(0, sizeBytes - this.lastSizeBytes);
    this.lastSizeBytes = sizeBytes;
    if (grownBytes > this.windowPeakBytes) this.windowPeakBytes = grownBytes;
    if (nowMs - this.windowStartMs >= BURST_WINDOW_MS) {
      this.burstPeakBytes = this.windowPeakBytes;
      this.windowPeakBytes = 0;
      this.windowStartMs = nowMs;
    }
    const aheadBytes = Math.min(PREFAULT_AHEAD_MAX_BYTES, Math.max(PREFAULT_AHEAD_MIN_BYTES, 4 * Math.max(this.burstPeakBytes, this.windowPeakBytes)));
    return store.prefault(aheadBytes, PREFAULT_BUDGET_BYTES);
  }
}
