import { readFileSync } from 'node:fs';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { doorbellWakesSent } from '../mailbox/doorbell.js';

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
    const cpuMicros = threadCpuMicros();
    return {
      ...(cpuMicros === undefined ? {} : { threadCpuMicros: cpuMicros }),
      ...(audit === undefined ? {} : { threadCopiedBytes: audit.bytes, threadCopies: audit.copies }),
      threadGcMinor: this.gcMinor,
      threadGcMajor: this.gcMajor,
      threadGcPauseMs: Math.round(this.gcPauseMs * 1000) / 1000,
      threadPasses: this.passes,
      threadWakesSent: doorbellWakesSent(),
      threadParks: this.parks,
      threadHeapUsedBytes: getHeapStatistics().used_heap_size,
      // This thread's ArrayBuffer memory (typed arrays, decoded messages), not counting SharedArrayBuffers of other owners.
      threadArrayBufferBytes: process.memoryUsage().arrayBuffers,
    };
  }
}

/**
 * CPU time this thread has run, user and system, in microseconds: what tells which role's thread
 * is the one that runs out of core first. Linux's scheduler keeps it to the nanosecond
 * (/proc/thread-self/schedstat, first field); where that file is missing, the same from
 * /proc/thread-self/stat in clock ticks (assumed 100 a second, Linux's USER_HZ); elsewhere
 * (no /proc), undefined. Read on the control plane only: two small file reads.
 */
export function threadCpuMicros(): number | undefined {
  try {
    const runNs = Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ', 1)[0]);
    if (Number.isFinite(runNs)) return Math.round(runNs / 1000);
  } catch {
    // No schedstat (a kernel without scheduler info): try stat.
  }
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'latin1');
    // Fields after the command name (which may hold spaces, so split after its closing paren):
    // utime and stime are the 14th and 15th fields of the line, the 12th and 13th after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * (1e6 / USER_HZ) : undefined;
  } catch {
    return undefined;
  }
}

/** Linux's clock ticks per second in /proc's times, fixed at 100 for user space on every architecture Node runs on. */
const USER_HZ = 100;

/** The copy audit's totals for this thread, where bench/copies/audit.cjs was preloaded (`node --require`); see there. */
function copyAudit(): { readonly bytes: number; readonly copies: number } | undefined {
  return (globalThis as Record<symbol, { bytes: number; copies: number } | undefined>)[Symbol.for('synod.copyAudit')];
}
