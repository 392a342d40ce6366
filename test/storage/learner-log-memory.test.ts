// The memory targets of the compact log, measured by measure-learner-log-memory.mjs in fresh
// processes (RSS growth per entry over 800,000 16-byte entries, after a warm-up and a full GC):
// at most 64 bytes an entry with a SharedRecordStore (the data lives in its shared memory), at
// most 16 with a FileRecordStore (the data is on disk; what is left is the 12-byte index).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

interface Figures {
  store: 'shared' | 'file';
  rssBytesPerEntry: number;
  storeBytesPerEntry: number;
  storeBytesAfterTrim: number;
}

describe('LearnerLog memory', () => {
  it('grows at most 64 B an entry in shared memory and 16 B with a file, and trims back', () => {
    const script = fileURLToPath(new URL('./measure-learner-log-memory.mjs', import.meta.url));
    const output = execFileSync(process.execPath, [script, '1000000'], { encoding: 'utf8', timeout: 30_000 });
    const figures = output.trim().split('\n').map((line) => JSON.parse(line) as Figures);
    const byStore = Object.fromEntries(figures.map((figure) => [figure.store, figure]));
    expect(byStore.shared!.rssBytesPerEntry).toBeLessThanOrEqual(64);
    expect(byStore.file!.rssBytesPerEntry).toBeLessThanOrEqual(16);
    for (const figure of figures) {
      // a 16-byte entry takes its data plus a few bytes of numbers in the store...
      expect(figure.storeBytesPerEntry).toBeLessThan(24);
      // ...and the last 1000 entries are all that is left of a million after the trim
      expect(figure.storeBytesAfterTrim).toBeLessThan(1000 * 24);
    }
  });
});
