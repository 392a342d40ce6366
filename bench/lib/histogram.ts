import { build } from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

/**
 * Latencies are recorded in nanoseconds and reported in microseconds: a spinning round trip is
 * about 1 us, and whole-microsecond buckets would round it to 1 or 2. Three significant digits
 * keep every percentile within 0.1 % of the true value.
 */
export function createLatencyHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: 3 });
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
