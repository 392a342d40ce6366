import { PerformanceObserver, constants } from 'node:perf_hooks';

/**
 * Counts minor (scavenge) GCs of the calling thread inside a time window, from 'gc' performance
 * entries. Node creates those entries from a native immediate, so a thread that spins in a
 * synchronous loop only receives them once it yields to its event loop: record the window with
 * performance.now() readings while measuring, then call countMinorBetween() afterwards; it yields
 * first and filters by each entry's start time (taken when the GC happened, not when delivered).
 */
export class MinorGcCounter {
  private readonly startTimesMs: number[] = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      // @types/node 20 leaves `detail` off PerformanceEntry; Node puts the GC kind there (entry.kind is deprecated).
      const detail = (entry as { detail?: { kind?: number } }).detail;
      if (detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) {
        this.startTimesMs.push(entry.startTime);
      }
    }
  });

  start(): void {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  async countMinorBetween(fromMs: number, toMs: number): Promise<number> {
    // Two turns of the event loop: one to run the native immediates that create the entries,
    // one for the observer callback that they schedule.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setImmediate(resolve));
    this.observer.disconnect();
    return this.startTimesMs.filter((t) => t >= fromMs && t < toMs).length;
  }
}
