// close() by the log's owner reaches every thread: work in flight through handles settles with
// LogClosedError at once (not after appendTimeoutMs), and a closed log's handle no longer connects.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { LogClosedError, ReplicatedLog } from 'synod';
import type { BusyResult } from '../fixtures/log/busy-worker.js';
import { fixture } from './helpers.js';

function nextMessage(worker: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

describe('close() while other threads are busy', () => {
  it('settles appends and follow reads on every thread with LogClosedError, well under a second', async () => {
    const log = await ReplicatedLog.open({ appendTimeoutMs: 30_000 });
    const handle = log.handle();
    const worker = new Worker(fixture('busy-worker'), { workerData: { handle, appends: 50 } });
    expect(await nextMessage(worker)).toBe('ready');
    // No majority: appends from now on can only wait.
    const acceptors = (await log.cluster.actors()).filter((actor) => actor.role === 'acceptor');
    await log.cluster.kill(acceptors[0]!.id, { restart: false });
    await log.cluster.kill(acceptors[1]!.id, { restart: false });
    worker.postMessage('go');
    expect(await nextMessage(worker)).toBe('appending');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const result = nextMessage(worker) as Promise<BusyResult>;
    worker.postMessage('closing');
    await log.close();
    const { appends, follow, settledAfterCloseMs, reconnect } = await result;
    expect(new Set(appends)).toEqual(new Set(['LogClosedError']));
    expect(follow).toBe('LogClosedError');
    expect(settledAfterCloseMs).toBeLessThan(1000);
    expect(reconnect).toBe('LogClosedError');
    await worker.terminate();
  });

  it('connecting the handle of a closed log is a LogClosedError', async () => {
    const log = await ReplicatedLog.open();
    const handle = log.handle();
    await log.close();
    await expect(ReplicatedLog.connect(handle)).rejects.toBeInstanceOf(LogClosedError);
  });
});
