import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { median } from '../lib/stats.js';

// Bytes allocated per operation, measured from outside the operation: a full GC, then N operations
// between two process.memoryUsage() readings, counting the growth of the V8 heap (heapUsed) plus
// the growth of ArrayBuffer backing stores (arrayBuffers, which hold typed arrays larger than V8
// keeps on the heap). This only works if no GC runs between the readings (it would free some of
// what was allocated), so every window is checked against the 'gc' performance entries and thrown
// away if one started inside it. Without a way to force a GC the figure is null ("n/a").

type GcFunction = () => void;

export interface AllocationProbe {
  /** How gc() was obtained: 'node --expose-gc', 'v8.setFlagsFromString', or null when it could not be. */
  readonly gcSource: string | null;
  /**
   * Bytes allocated per call of run(1), or null when no clean window could be had. `nsPerOp`
   * sizes N (windows of at most ~50 ms).
   */
  measure(run: (n: number) => void, nsPerOp: number): Promise<number | null>;
  close(): void;
}

/** Stay well inside the young generation, so that the operations themselves do not trigger a scavenge. */
const WINDOW_BYTES = 1 << 20;
const WINDOW_MS = 50;
const MIN_OPS = 64;
const MAX_OPS = 200_000;
/** Clean windows per figure; the median is reported. */
const WINDOWS = 3;
const MAX_ATTEMPTS = 8;

export function createAllocationProbe(): AllocationProbe {
  const { gc, source } = obtainGc();
  if (gc === null) {
    return { gcSource: null, measure: async () => null, close: () => {} };
  }
  const gcStartTimes: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcStartTimes.push(entry.startTime);
  });
  observer.observe({ entryTypes: ['gc'] });

  // Collects twice with a pause in between: V8 frees ArrayBuffer backing stores on a background
  // thread after a GC, and a reading taken while it does so would see arrayBuffers fall.
  const settle = async (): Promise<void> => {
    gc();
    await pause(5);
    gc();
    await pause(5);
  };

  // One window: allocated bytes, or null when a GC ran inside it.
  const window = async (run: (n: number) => void, ops: number): Promise<number | null> => {
    await settle();
    const startMs = performance.now();
    const before = process.memoryUsage();
    run(ops);
    const after = process.memoryUsage();
    const endMs = performance.now();
    // The 'gc' entries of the window arrive only after a turn of the event loop (see bench/lib/gc-counter.ts).
    await pause(5);
    await new Promise((resolve) => setImmediate(resolve));
    if (gcStartTimes.some((t) => t >= startMs && t <= endMs)) return null;
    gcStartTimes.length = 0;
    return after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
  };

  // What the readings themselves cost (process.memoryUsage() allocates its result), subtracted from every window.
  let overheadBytes: number | undefined;

  return {
    gcSource: source,
    async measure(run, nsPerOp) {
      if (overheadBytes === undefined) {
        const empties: number[] = [];
        for (let i = 0; i < MAX_ATTEMPTS && empties.length < WINDOWS; i++) {
          const bytes = await window(() => {}, 1);
          if (bytes !== null) empties.push(bytes);
        }
        overheadBytes = empties.length > 0 ? median(empties) : 0;
      }
      // A first small window sizes the real ones.
      let estimate: number | null = null;
      for (let i = 0; i < MAX_ATTEMPTS && estimate === null; i++) estimate = await window(run, MIN_OPS);
      if (estimate === null) return null;
      const bytesPerOp = Math.max(1, (estimate - overheadBytes) / MIN_OPS);
      let ops = clamp(Math.floor(Math.min(WINDOW_BYTES / bytesPerOp, (WINDOW_MS * 1e6) / Math.max(nsPerOp, 1))), MIN_OPS, MAX_OPS);
      const figures: number[] = [];
      for (let attempt = 0; attempt < MAX_ATTEMPTS && figures.length < WINDOWS; attempt++) {
        const bytes = await window(run, ops);
        if (bytes === null) {
          ops = Math.max(MIN_OPS, Math.floor(ops / 4)); // a GC got in: a smaller window
          continue;
        }
        figures.push(Math.max(0, (bytes - overheadBytes) / ops));
      }
      return figures.length === WINDOWS ? median(figures) : null;
    },
    close() {
      observer.disconnect();
    },
  };
}

function obtainGc(): { gc: GcFunction | null; source: string | null } {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return { gc: exposed as GcFunction, source: 'node --expose-gc' };
  try {
    // Turning the flag on at run time exposes gc() to contexts created afterwards.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    if (typeof gc === 'function') return { gc: gc as GcFunction, source: 'v8.setFlagsFromString' };
  } catch {
    // fall through: no way to force a GC here
  }
  return { gc: null, source: null };
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
