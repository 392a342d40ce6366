import { describe, expect, it } from 'vitest';
import { ReplicatedLog, type LogOptions } from '../../dist/src/index.js';
import { parseCommand } from '../../dist/bench/lib/args.js';
import { createLatencyHistogram } from '../../dist/bench/lib/histogram.js';
import type { LoadPool } from '../../dist/bench/lib/load-pool.js';
import { measureWindowRuns } from '../../dist/bench/log/closed-loop.js';
import { measureConfiguration } from '../../dist/bench/log/suite.js';
import { encodeIntoCompressedBase64 } from 'hdr-histogram-js';

// An in-memory log holds at most memoryBytesMax (4 GiB by default): 64 KiB entries on 16 cores
// (700 MB/s) filled it by the third run of a configuration, and every append of that run failed.
// So each run starts from an empty log, and a run in which nothing completed says why.
describe('the log suite between runs', () => {
  it('trims the log after each run to where it ends, so every run starts from an empty log', async () => {
    const trims: Array<{ beforeIndex: number; nextIndex: number }> = [];
    let opened: ReplicatedLog | undefined;
    const openLog = async (logOptions: LogOptions) => {
      const log = await ReplicatedLog.open(logOptions);
      opened = log;
      const trim = log.trim.bind(log);
      log.trim = async (beforeIndex: number) => {
        trims.push({ beforeIndex, nextIndex: log.bounds().nextIndex });
        const firstIndex = await trim(beforeIndex);
        expect(log.bounds().firstIndex).toBe(beforeIndex);
        return firstIndex;
      };
      return log;
    };
    const options = parseCommand(['log', '--runs', '3', '--warmup', '0', '--duration', '0.2']).options;
    const figures = await measureConfiguration({ storage: 'memory', acceptors: 3, entryBytes: 1024, concurrency: 16 }, options, openLog);
    expect(opened).toBeDefined();
    expect(figures.runsPerSecond).toHaveLength(3);
    expect(trims).toHaveLength(3);
    for (const trim of trims) {
      expect(trim.beforeIndex).toBe(trim.nextIndex);
      expect(trim.beforeIndex).toBeGreaterThan(0);
    }
    // Each trim is further on: the runs between them appended.
    expect(trims[1]!.beforeIndex).toBeGreaterThan(trims[0]!.beforeIndex);
    expect(trims[2]!.beforeIndex).toBeGreaterThan(trims[1]!.beforeIndex);
  });

  it('names the first failure of a run in which no operation completed', async () => {
    const empty = encodeIntoCompressedBase64(createLatencyHistogram());
    const pool = {
      size: 2,
      async run(_params: unknown, _timeoutMs: number, onStart?: () => void) {
        onStart?.();
        return [
          { completed: 0, failed: 5, outOfOrder: 0, minorGcs: 0, elapsedMs: 1, histogram: empty },
          { completed: 0, failed: 3, outOfOrder: 0, minorGcs: 0, elapsedMs: 1, histogram: empty, firstError: 'StorageFullError: the log is full' },
        ];
      },
    } as unknown as LoadPool;
    const options = parseCommand(['log', '--runs', '1', '--warmup', '0', '--duration', '0.01']).options;
    await expect(measureWindowRuns(pool, options)).rejects.toThrow(
      'no operation completed in run 1, not even after its measured window; the first to fail: StorageFullError: the log is full',
    );
  });
});
