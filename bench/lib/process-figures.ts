import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Resident memory of the whole process (every worker thread shares it): actors, load threads and the main thread together. */
export function residentBytes(): number {
  return process.memoryUsage.rss();
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(2)} GiB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}

export const GC_NOTE =
  'GCs: the main thread and the load threads are observed directly (PerformanceObserver); each actor thread counts its own ' +
  'and reports it in its counters (threadGcMinor), read before and after each run. RSS is process-wide (all threads share it).';


let forceGc: (() => void) | undefined;

/**
 * Between configurations (never inside a measurement): a full GC of the main thread, so the
 * SharedArrayBuffers of a closed log are really released before the next one opens and each
 * configuration's RSS is its own, not the sum of all before it. The main thread allocates so
 * little that it might otherwise never collect them.
 */
export async function settleMemory(): Promise<void> {
  if (forceGc === undefined) {
    setFlagsFromString('--expose-gc');
    forceGc = runInNewContext('gc') as () => void;
  }
  forceGc();
  await new Promise((resolve) => setTimeout(resolve, 20));
  forceGc();
}
