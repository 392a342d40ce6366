// A sequencer's log keeps numbering, not entries: its learner compacts its store once records
// pile up, so a long-running sequencer's file stays small, and reopening it numbers on.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReplicatedLog, Sequencer } from 'synod';

describe('a sequencer over time', () => {
  it('keeps its learner file small however many reservations it made, and numbers on after a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synod-seq-compact-'));
    try {
      const log = await ReplicatedLog.start({ storage: { dir, fsync: 'never' } }, false);
      let highest = -1;
      for (let round = 0; round < 25; round++) {
        const firsts = await Promise.all(Array.from({ length: 20_000 }, () => log.reserve(1)));
        highest = Math.max(highest, ...firsts);
      }
      expect(highest).toBe(499_999);
      await log.close();
      // Half a million reservations are about 3 MB of records; compacted past 1 MiB, at most that remains.
      expect(statSync(join(dir, 'learner-5.log')).size).toBeLessThan(1.5 * 1024 * 1024);
      const sequencer = await Sequencer.open({ storage: { dir, fsync: 'never' } });
      expect(await sequencer.next()).toBe(500_000);
      await sequencer.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
