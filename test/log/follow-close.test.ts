// A read in progress when the log closes rejects with LogClosedError at its next step, as
// ReadOptions.follow and read() say: on the owner's thread and on a thread connected through a
// handle, whether the loop was waiting for entries or running its body with more already received.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { LogClosedError, ReplicatedLog } from 'synod';
import type { FollowReport } from '../fixtures/log/follow-until-closed.js';
import { fixture } from './helpers.js';

const entry = (i: number): Uint8Array => new Uint8Array([i & 0xff]);

async function appendCount(log: ReplicatedLog, count: number): Promise<void> {
  await Promise.all(Array.from({ length: count }, (_, i) => log.append(entry(i))));
}

/** Runs `loop`, returning the indexes it saw and the error it ended with (undefined if it ended normally). */
async function settle(loop: (seen: number[]) => Promise<void>): Promise<{ seen: number[]; error: unknown }> {
  const seen: number[] = [];
  try {
    await loop(seen);
    return { seen, error: undefined };
  } catch (error) {
    return { seen, error };
  }
}

describe('a read in progress at the owner’s close()', () => {
  it('a follow waiting for new entries rejects with LogClosedError', async () => {
    const log = await ReplicatedLog.open();
    await appendCount(log, 5);
    let caughtUp!: () => void;
    const atEnd = new Promise<void>((resolve) => (caughtUp = resolve));
    const following = settle(async (seen) => {
      for await (const { index } of log.read({ follow: true })) {
        seen.push(index);
        if (index === 4) caughtUp();
      }
    });
    await atEnd;
    await log.close();
    const { seen, error } = await following;
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(error).toBeInstanceOf(LogClosedError);
  });

  it('a follow whose body closes the log gets no further entry, even one already received', async () => {
    const log = await ReplicatedLog.open();
    await appendCount(log, 100);
    const { seen, error } = await settle(async (seen) => {
      for await (const { index } of log.read({ follow: true })) {
        seen.push(index);
        if (index === 10) await log.close();
      }
    });
    expect(seen).toEqual(Array.from({ length: 11 }, (_, i) => i));
    expect(error).toBeInstanceOf(LogClosedError);
  });

  it('a read without follow does the same: LogClosedError, not a short read that looks complete', async () => {
    const log = await ReplicatedLog.open();
    await appendCount(log, 100);
    const { seen, error } = await settle(async (seen) => {
      for await (const { index } of log.read()) {
        seen.push(index);
        if (index === 10) await log.close();
      }
    });
    expect(seen).toHaveLength(11);
    expect(error).toBeInstanceOf(LogClosedError);
    expect(() => log.read()).toThrow(LogClosedError);
  });

  it('breaking out of a follow is not an error, and close() after it is quiet', async () => {
    const log = await ReplicatedLog.open();
    await appendCount(log, 3);
    const { seen, error } = await settle(async (seen) => {
      for await (const { index } of log.read({ follow: true })) {
        seen.push(index);
        if (index === 2) break;
      }
    });
    expect({ seen, error }).toEqual({ seen: [0, 1, 2], error: undefined });
    await log.close();
  });

  it('a follow on a connected thread rejects with LogClosedError, even inside its body with entries received', async () => {
    const log = await ReplicatedLog.open();
    await appendCount(log, 50);
    const worker = new Worker(fixture('follow-until-closed'), { workerData: { handle: log.handle(), pauseAt: 20 } });
    const reports: FollowReport[] = [];
    const ended = new Promise<FollowReport>((resolve, reject) => {
      worker.on('message', (report: FollowReport) => {
        reports.push(report);
        if ('paused' in report) {
          // The worker is inside its loop body, with entries after 20 pushed already: close, then let it go on.
          void log.close().then(() => worker.postMessage('go'));
        }
        if ('ended' in report) resolve(report);
      });
      worker.once('error', reject);
    });
    expect(await ended).toEqual({ ended: 'LogClosedError', readAfterClose: 'LogClosedError' });
    const indexes = reports.flatMap((report) => ('index' in report ? [report.index] : []));
    expect(indexes).toEqual(Array.from({ length: 21 }, (_, i) => i));
    await worker.terminate();
  });

  it('a follow on a connected thread that is waiting for entries rejects with LogClosedError', async () => {
    const log = await ReplicatedLog.open();
    await appendCount(log, 5);
    // pauseAt past the end: the worker's loop waits for entries when the owner closes.
    const worker = new Worker(fixture('follow-until-closed'), { workerData: { handle: log.handle(), pauseAt: -1 } });
    const ended = new Promise<FollowReport>((resolve, reject) => {
      worker.on('message', (report: FollowReport) => {
        if ('index' in report && report.index === 4) void log.close();
        if ('ended' in report) resolve(report);
      });
      worker.once('error', reject);
    });
    expect(await ended).toEqual({ ended: 'LogClosedError', readAfterClose: 'LogClosedError' });
    await worker.terminate();
  });
});
