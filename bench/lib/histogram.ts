import { build, initWebAssembly } from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

/**
 * Latencies are recorded in nanoseconds and reported in microseconds: a spinning round trip is
 * about 1 us, and whole-microsecond buckets would round it to 1 or 2. Three significant digits
 * keep every percentile within 0.1 % of the true value.
 */
const LATENCY_BUCKETS = { lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: 3 } as const;

/** A latency histogram for merging and summing up (hdr-histogram-js's JS build: garbage-collected). */
export function createLatencyHistogram(): Histogram {
  return build(LATENCY_BUCKETS);
}

let webAssemblyLoaded = false;

/** Loads hdr-histogram-js's WebAssembly build in this thread; once, before createRecordingHistogram(). */
export async function loadRecordingHistograms(): Promise<void> {
  if (webAssemblyLoaded) return;
  await initWebAssembly();
  webAssemblyLoaded = true;
}

/**
 * A latency histogram for a thread that records every operation (the load threads), with the
 * buckets of createLatencyHistogram() and so the same percentiles: hdr-histogram-js's WebAssembly
 * build, 20-27 ns a record on the 2-core VM against 170-180 ns for its JS build (a Math.pow and a
 * Math.log2 per value). At 16 B x 256 in flight the JS build took about a tenth of each load
 * thread, CPU the log under measurement then lacked on 2 cores. Its memory lives outside the JS
 * heap: destroy() it when done.
 */
export function createRecordingHistogram(): Histogram {
  if (!webAssemblyLoaded) throw new Error('createRecordingHistogram() needs loadRecordingHistograms() awaited first in this thread');
  return build({ ...LATENCY_BUCKETS, useWebAssembly: true });
}

/** Records `elapsedMs` (a difference of performance.now() readings) as nanoseconds. */
export function recordElapsedMs(histogram: Histogram, elapsedMs: number): void {
  histogram.recordValue(Math.max(1, Math.round(elapsedMs * 1_000_000)));
}

export interface LatencySummary {
  readonly p50Microseconds: number;
  readonly p99Microseconds: number;
  readonly maxMicroseconds: number;
  readonly samples: number;
}

export function summarizeLatency(histogram: Histogram): LatencySummary {
  return {
    p50Microseconds: histogram.getValueAtPercentile(50) / 1000,
    p99Microseconds: histogram.getValueAtPercentile(99) / 1000,
    maxMicroseconds: histogram.maxValue / 1000,
    samples: histogram.totalCount,
  };
}
