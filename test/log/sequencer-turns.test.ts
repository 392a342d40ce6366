// A loop that only awaits next() with numbers on hand must not starve its own thread: the calls
// resolve at once (microtasks), and on a connected thread the owner keeps the window refilled,
// so without TurnYield (src/log/turn-yield.ts) nothing else on that thread (timers, messages,
// the mailbox wake-ups of its own appends) ran until the loop ended.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Sequencer } from 'synod';
import { TurnYield, YIELD_AFTER_MS } from '../../src/log/turn-yield.js';
import { fixture } from './helpers.js';

interface LoopReport {
  turns: { timer: number; immediate: number; message: number };
  increasing: boolean;
  count: number;
}

describe('a loop that only awaits next()', () => {
  it('lets timers, immediates and messages on its thread run while it loops', async () => {
    await using sequencer = await Sequencer.open();
    const count = 1_000_000;
    const worker = new Worker(fixture('sequencer-busy-loop'), { workerData: { handle: sequencer.handle(), count } });
    const report = await new Promise<LoopReport>((resolve, reject) => {
      worker.on('message', (message: { looping?: boolean } & LoopReport) => {
        if (message.looping) worker.postMessage('ping');
        else resolve(message);
      });
      worker.once('error', reject);
    });
    expect(report.increasing).toBe(true);
    // Each ran during the loop (before its last call), not after it.
    for (const [what, call] of Object.entries(report.turns)) {
      expect(call, what).toBeGreaterThanOrEqual(0);
      expect(call, what).toBeLessThan(count);
    }
  });
});

describe('TurnYield', () => {
  it('hands values over through setImmediate only once a turn is overdue, then for every call until the turn runs', async () => {
    const turnYield = new TurnYield();
    // A busy thread: calls and no turn of the event loop, until one is due.
    const startMs = performance.now();
    let calls = 0;
    while (!turnYield.due()) calls++;
    expect(calls).toBeGreaterThanOrEqual(256); // one check arms the marker, a later one finds it overdue
    expect(performance.now() - startMs).toBeGreaterThanOrEqual(YIELD_AFTER_MS);
    // Overdue: every call goes through setImmediate, not one per check.
    expect(turnYield.due()).toBe(true);
    expect(turnYield.due()).toBe(true);
    expect(await Promise.all([turnYield.later(7), turnYield.later(8)])).toEqual([7, 8]);
    // The turn ran: calls resolve at once again.
    expect(turnYield.due()).toBe(false);
  });
});
