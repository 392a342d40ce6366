import { PerformanceObserver, constants } from 'node:perf_hooks';

/**
 * Runs `body` once as a warm-up, then `rounds` times, and counts the minor GCs that started while
 * those rounds ran. Only GCs inside the synchronous loop count: what vitest's worker allocates
 * around it (its messages, timers) cannot.
 */
export async function minorGcsDuring(body: () => void, rounds: number): Promise<number> {
  const starts: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) starts.push(entry.startTime);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  body();
  const from = performance.now();
  for (let round = 0; round < rounds; round++) body();
  const to = performance.now();
  // The 'gc' entries arrive after a turn of the event loop.
  await new Promise((resolve) => setTimeout(resolve, 20));
  observer.disconnect();
  return starts.filter((start) => start >= from && start <= to).length;
}
