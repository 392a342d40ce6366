// The memory model of the compact log, measured by measure-learner-log-memory.mjs in fresh
// processes over 800,000 16-byte entries after a warm-up and a full GC: no JS object per entry
// (the heap does not grow with the log), ArrayBuffers of at most 10 bytes an entry (the 8-byte
// offset index: 7.9 measured, 11.8 with the 12-byte one before), and the entries once, in the
// store. These are counts of what is allocated, so they hold on any machine; RSS, which also
// moves with the allocator and the OS, is what `synod bench memory` measures against the targets
// (64 B in memory, 16 B with storage.dir).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

interface Figures {
  store: 'shared' | 'file';
  rssBytesPerEntry: number;
  heapTotalBytesPerEntry: number;
  arrayBuffersBytesPerEntry: number;
  arrayBuffersBytesAfterTrim: number;
  storeBytesPerEntry: number;
  storeBytesAfterTrim: number;
}

describe('LearnerLog memory', () => {
  it('keeps an entry once, in the store, with an 8-byte index and no JS object of its own, and trims back', () => {
    const script = fileURLToPath(new URL('./measure-learner-log-memory.mjs', import.meta.url));
    const output = execFileSync(process.execPath, [script, '1000000'], { encoding: 'utf8', timeout: 30_000 });
    const figures = output.trim().split('\n').map((line) => JSON.parse(line) as Figures);
    const byStore = Object.fromEntries(figures.map((figure) => [figure.store, figure]));
    expect(Object.keys(byStore).sort()).toEqual(['file', 'shared']);
    for (const figure of figures) {
      expect(figure.heapTotalBytesPerEntry).toBeLessThanOrEqual(4);
      expect(figure.arrayBuffersBytesPerEntry).toBeLessThanOrEqual(10);
      expect(figure.arrayBuffersBytesAfterTrim).toBeLessThan(1 << 20);
      // a 16-byte entry takes its data plus a few bytes of numbers in the store...
      expect(figure.storeBytesPerEntry).toBeLessThan(24);
      // ...and the last 1000 entries are all that is left of a million after the trim
      expect(figure.storeBytesAfterTrim).toBeLessThan(1000 * 24);
    }
  });
});
