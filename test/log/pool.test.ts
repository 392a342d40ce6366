// One handle for a whole piscina pool: every worker gets the same workerData, connects with it,
// appends and reads (issue 10: a handle connected once, so a pool failed with HandleAlreadyConnectedError).
import { Piscina } from 'piscina';
import { describe, expect, it } from 'vitest';
import { ReplicatedLog } from 'synod';
import type { PoolTask, PoolTaskResult } from '../fixtures/log/pool-task.js';
import { checkExactlyOnce, fixture, readAll } from './helpers.js';

describe('a worker pool sharing one handle', () => {
  it('appends and reads from every worker, each entry exactly once at the index it resolved to', async () => {
    const log = await ReplicatedLog.open();
    const pool = new Piscina<PoolTask, PoolTaskResult>({ filename: fixture('pool-task').href, minThreads: 4, maxThreads: 4, workerData: { handle: log.handle() } });
    try {
      const tasks = Array.from({ length: 12 }, (_, writer) => pool.run({ writer, count: 50 }));
      const results = await Promise.all(tasks);
      for (const result of results) {
        expect(result.indexes).toHaveLength(50);
        // The read started after the task's appends resolved: it reaches at least all of them.
        expect(result.readFromLowest).toBeGreaterThanOrEqual(Math.max(...result.indexes) - Math.min(...result.indexes) + 1);
      }
      const tags = await readAll(log);
      expect(tags).toHaveLength(12 * 50);
      checkExactlyOnce(tags, results.map(({ writer, indexes }) => ({ writer, results: indexes })), 50);
      // A restarted actor keeps the pool's endpoints working.
      const leader = (await log.cluster.actors()).find((actor) => actor.leader)!;
      await log.cluster.kill(leader.id, { restart: false });
      await log.cluster.restart(leader.id);
      const after = await Promise.all(Array.from({ length: 4 }, (_, i) => pool.run({ writer: 100 + i, count: 10 })));
      expect(after.flatMap((result) => result.indexes)).toHaveLength(40);
    } finally {
      await pool.destroy();
      await log.close();
    }
  });
});
