// The load threads of a benchmark suite: closing the pool is safe twice, so a suite closes it in
// its error path as well as on success. A failover run once failed a step and then hung for good
// (CI's test timeout): its error path left the load threads running, which kept the process alive.
import { describe, expect, it } from 'vitest';
import { ReplicatedLog } from 'synod';
import { startLoad } from '../../dist/bench/log/closed-loop.js';

describe('a load pool', () => {
  it('closes once however often it is closed', async () => {
    const log = await ReplicatedLog.open({ acceptors: 3 });
    try {
      const pool = await startLoad(() => ({ kind: 'log', handle: log.handle() }), 2, 16);
      const [figures] = await pool.run<{ completed: number }>({ mode: 'window', warmupMs: 10, durationMs: 50 }, 30_000);
      expect(figures!.completed).toBeGreaterThan(0);
      const first = pool.close();
      // The second call gets the first's promise: it does not wait for 'closed' from threads that
      // are gone (that wait would time out after 5 s).
      expect(pool.close()).toBe(first);
      await first;
      expect(pool.close()).toBe(first);
    } finally {
      await log.close();
    }
  });
});
