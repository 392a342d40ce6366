import { PerformanceObserver, constants } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

/**
 * Counts this thread's garbage collections from the moment it is made, and reads its heap: what
 * shows whether the message path allocates. One per worker thread; its figures are the
 * thread's, so actors placed together report the same numbers.
 */
export class ThreadStats {
  private gcMinor = 0;
  private gcMajor = 0;
  private gcPauseMs = 0;
  /** Passes of the actor loop that handled at least one message, and parks on the doorbell: wake-ups are what a message costs beyond its work. */
  passes = 0;
  parks = 0;

  constructor() {
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
        if (kind === constants.NODE_PERFORMANCE_GC_MINOR) this.gcMinor++;
        else this.gcMajor++;
        this.gcPauseMs += entry.duration;
      }
    });
    observer.observe({ entryTypes: ['gc'] });
    // The observer must not keep the thread alive on its own.
    (observer as unknown as { unref?: () => void }).unref?.();
  }

  read(): Record<string, number> {
    const audit = copyAudit();
    return {
      ...(audit === undefined ? {} : { threadCopiedBytes: audit.bytes, threadCopies: audit.copies }),
      threadGcMinor: this.gcMinor,
      threadGcMajor: this.gcMajor,
      threadGcPauseMs: Math.round(this.gcPauseMs * 1000) / 1000,
      threadPasses: this.passes,
      threadParks: this.parks,
      threadHeapUsedBytes: getHeapStatistics().used_heap_size,
      // This thread's ArrayBuffer memory (typed arrays, decoded messages), not counting SharedArrayBuffers of other owners.
      threadArrayBufferBytes: process.memoryUsage().arrayBuffers,
    };
  }
}

/** The copy audit's totals for this thread, where bench/copies/audit.cjs was preloaded (`node --require`); see there. */
function copyAudit(): { readonly bytes: number; readonly copies: number } | undefined {
  return (globalThis as Record<symbol, { bytes: number; copies: number } | undefined>)[Symbol.for('synod.copyAudit')];
}
