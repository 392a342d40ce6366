// A trim asks every learner to release the prefix, and resolves once all of them confirmed. With a
// learner held down (killed with `restart: false`, or given up on by its supervisor) it cannot:
// it fails with TrimTimeoutError after appendTimeoutMs, naming the learner that did not answer,
// while the learners that answered released the prefix and the log goes on; once the learner is
// back, the same trim goes through.
import { describe, expect, it } from 'vitest';
import { StorageFullError, TrimTimeoutError } from 'synod';
import { tagEntry, readTag } from '../fixtures/log/entry.js';
import { appendUntilRefused, closedAfterEach, learnerIds } from './helpers.js';

const { openLog } = closedAfterEach();

describe('trim with a learner held down', () => {
  it('fails naming that learner, leaves the others trimmed and the log going, and goes through once it is back', async () => {
    const log = await openLog({ learners: 2, appendTimeoutMs: 1500 });
    for (let i = 0; i < 20; i++) await log.append(tagEntry(0, i));
    const [up, down] = (await learnerIds(log)) as [number, number];
    await log.cluster.kill(down, { restart: false });

    const error = await log.trim(10).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TrimTimeoutError);
    const timeout = error as TrimTimeoutError;
    expect(timeout.unconfirmed).toEqual([down]);
    expect(timeout.message).toContain(`no answer from learner ${down}`);
    expect(timeout.beforeIndex).toBe(10);

    // The learner that answered released the prefix; the one held down still has it.
    const status = await log.status();
    const byId = new Map(status.learners.map((learner) => [learner.id, learner]));
    expect(byId.get(up)).toMatchObject({ firstIndex: 10, alive: true });
    expect(byId.get(down)?.alive).toBe(false);
    // Appends and reads go on.
    expect(await log.append(tagEntry(0, 20))).toBe(20);
    const indexes: number[] = [];
    for await (const { index, data } of log.read({ from: 10 })) {
      expect(readTag(data)).toEqual({ writer: 0, seq: index });
      indexes.push(index);
    }
    expect(indexes).toEqual(Array.from({ length: 11 }, (_, i) => 10 + i));

    await log.cluster.restart(down);
    expect(await log.trim(10)).toBe(10);
    expect(log.bounds().firstIndex).toBe(10);
  });

  it('holds the acceptors\' memory until it is back: appends fill memoryBytesMax, then the learner restarted and a trim make room again', async () => {
    // 4 MiB a store (the least these ring and entry limits allow), 1 KiB entries.
    const log = await openLog({ learners: 2, memoryBytesMax: 4 << 20, ringBytes: 65_536, entryBytesMax: 4096, appendTimeoutMs: 5000 });
    const [, down] = (await learnerIds(log)) as [number, number];
    await log.cluster.kill(down, { restart: false });
    const { entry, acknowledged: indexes, failure: refusal } = await appendUntilRefused(log, 20_000);
    const acknowledged = indexes.length;
    expect(refusal).toBeInstanceOf(StorageFullError);
    expect(acknowledged).toBeGreaterThan(1000);

    await log.cluster.restart(down);
    const deadline = Date.now() + 20_000;
    const caughtUp = async (): Promise<boolean> => (await log.status()).learners.every((learner) => learner.alive && learner.delivered >= acknowledged);
    while (!(await caughtUp()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await caughtUp()).toBe(true);
    const end = log.bounds().nextIndex;
    expect(await log.trim(end)).toBe(end);
    const after: number[] = [];
    for (let i = 0; i < 200; i++) after.push(await log.append(entry(i)));
    expect(after[0]).toBeGreaterThanOrEqual(end);
    expect(after).toEqual(Array.from({ length: 200 }, (_, i) => after[0]! + i));
  }, 60_000);
});
