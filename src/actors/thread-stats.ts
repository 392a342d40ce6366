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
    const minorFaults = threadMinorFaults();
    return {
      ...(cpuMicros === undefined ? {} : { threadCpuMicros: cpuMicros }),
      ...(minorFaults === undefined ? {} : { threadMinorFaults: minorFaults }),
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
 * (no /proc), undefined. Read on the control plane only: a small file read or two.
 */
export function threadCpuMicros(): number | undefined {
  try {
    const runNs = Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ', 1)[0]);
    if (Number.isFinite(runNs)) return Math.round(runNs / 1000);
  } catch {
    // No schedstat (a kernel without scheduler info): try stat.
  }
  const fields = threadStatFields();
  if (fields === undefined) return undefined;
  // utime and stime: the 14th and 15th fields of the line.
  const ticks = Number(fields[14 - STAT_FIRST_FIELD]) + Number(fields[15 - STAT_FIRST_FIELD]);
  return Number.isFinite(ticks) ? ticks * (1e6 / USER_HZ) : undefined;
}

/**
 * Minor page faults this thread has taken (Linux; /proc/thread-self/stat, 10th field), else
 * undefined. Each is the kernel handing the thread a page it never touched before, zeroed: a
 * growing in-memory log and every fresh buffer above malloc's mmap threshold pay one per 4 KiB,
 * which is where the learner's time went at 1 KiB entries (see BENCHMARKS.md). Control plane only.
 */
export function threadMinorFaults(): number | undefined {
  const fields = threadStatFields();
  if (fields === undefined) return undefined;
  const faults = Number(fields[10 - STAT_FIRST_FIELD]);
  return Number.isFinite(faults) ? faults : undefined;
}

/** proc(5)'s number of the first field threadStatFields() returns (state, after the pid and the command name). */
const STAT_FIRST_FIELD = 3;

/**
 * /proc/thread-self/stat's fields from the 3rd (state) on: the command name before them may hold
 * spaces, so the line is split after its closing parenthesis. Undefined without /proc.
 */
function threadStatFields(): string[] | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
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
