import { decodeFromCompressedBase64, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { createLatencyHistogram, createRecordingHistogram, loadRecordingHistograms, recordElapsedMs } from '../../dist/bench/lib/histogram.js';

// The load threads record every operation's latency into hdr-histogram-js's WebAssembly build
// (bench/lib/histogram.ts: a tenth of the CPU a record took in its JS build) and send it encoded
// to the main thread, which merges it into JS histograms: the two must agree bucket for bucket.

describe('latency histograms', () => {
  it('refuses a recording histogram before its WebAssembly is loaded', async () => {
    // This file's module state is fresh: nothing loaded it yet.
    expect(() => createRecordingHistogram()).toThrow(/loadRecordingHistograms/);
    await loadRecordingHistograms();
    const histogram = createRecordingHistogram();
    histogram.destroy();
  });

  it('records what the JS histogram records, and survives the trip to the main thread', async () => {
    await loadRecordingHistograms();
    const recording = createRecordingHistogram();
    const reference = createLatencyHistogram();
    // Latencies from 1 us to 2 s, spread over every bucket magnitude, as elapsed milliseconds.
    let state = 12345;
    for (let i = 0; i < 100_000; i++) {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      const elapsedMs = 0.001 * Math.exp((state / 2 ** 31) * Math.log(2_000_000));
      recordElapsedMs(recording, elapsedMs);
      recordElapsedMs(reference, elapsedMs);
    }
    const percentiles = [0, 1, 10, 50, 90, 99, 99.9, 99.99, 100];
    const at = (histogram: typeof reference) => percentiles.map((p) => histogram.getValueAtPercentile(p));
    expect(recording.totalCount).toBe(100_000);
    expect(at(recording)).toEqual(at(reference));
    expect(recording.maxValue).toBe(reference.maxValue);
    const decoded = decodeFromCompressedBase64(encodeIntoCompressedBase64(recording));
    recording.destroy();
    const merged = createLatencyHistogram();
    merged.add(decoded);
    expect(at(merged)).toEqual(at(reference));
    expect(merged.totalCount).toBe(100_000);
  });
});
