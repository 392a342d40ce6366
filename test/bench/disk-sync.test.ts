import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// The built module: its worker is a compiled file beside it.
import { measureDiskSync } from '../../dist/bench/log/disk-sync.js';

// The log suite's disk-sync baseline: latencies are machine figures (never asserted against a
// speed), but both must have been measured, and the files it synced must be gone afterwards.
describe('the disk-sync baseline', () => {
  const parents: string[] = [];
  afterEach(() => {
    for (const parent of parents.splice(0)) rmSync(parent, { recursive: true, force: true });
  });
  const parentDir = (): string => {
    const parent = mkdtempSync(join(tmpdir(), 'synod-disk-sync-test-'));
    parents.push(parent);
    return parent;
  };

  it('reports a positive, finite p50 alone and with several writers at once, and leaves no file behind', async () => {
    const parent = parentDir();
    const figures = await measureDiskSync(2, 5, parent);
    expect(figures.concurrency).toBe(2);
    for (const p50 of [figures.aloneP50Microseconds, figures.concurrentP50Microseconds]) expect(Number.isFinite(p50) && p50 > 0).toBe(true);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('refuses counts it cannot measure with, before it makes a directory', async () => {
    const parent = parentDir();
    await expect(measureDiskSync(0, 5, parent)).rejects.toThrow(RangeError);
    await expect(measureDiskSync(1.5, 5, parent)).rejects.toThrow(RangeError);
    await expect(measureDiskSync(65, 5, parent)).rejects.toThrow(/from 1 to 64/);
    await expect(measureDiskSync(2, 0, parent)).rejects.toThrow(RangeError);
    await expect(measureDiskSync(2, Number.NaN, parent)).rejects.toThrow(RangeError);
    expect(readdirSync(parent)).toEqual([]);
  });
});
