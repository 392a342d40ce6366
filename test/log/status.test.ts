// log.status(), log.bounds() and log.metrics(): how the log is, read from what it already has
// (shared memory, the runtime's actor list, the leader announced), on the owner and through a handle.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogClosedError, ReplicatedLog, Sequencer, type LogStatus } from 'synod';
import { closedAfterEach } from './helpers.js';

const { openLog, track } = closedAfterEach();
const entry = (i: number) => new Uint8Array(100).fill(i & 0xff);

/** Polls `read` until `done` holds (bounded: a failure, not a timing assertion). */
async function until<T>(read: () => Promise<T> | T, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = performance.now() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (performance.now() > deadline) throw new Error(`gave up waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const allDelivered = (count: number) => (status: LogStatus) => status.learners.every((learner) => learner.delivered === count);

describe('log.status()', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('after appends: nextIndex is the count, every learner delivered that far, a live leader, quorum and memory storage ok', async () => {
    const log = await openLog({ learners: 2 });
    for (let i = 0; i < 20; i++) await log.append(entry(i));
    const status = await until(() => log.status(), allDelivered(20), 'both learners to deliver 20');
    expect(status.nextIndex).toBe(20);
    expect(status.firstIndex).toBe(0);
    expect(status.learners.map((learner) => learner.alive)).toEqual([true, true]);
    // The leader announced (status) and the proposer that counts itself leader (actors) are two
    // sources: a leadership change under load (CI's 2 cores, test files in parallel) leaves them
    // apart until the old leader hears of the new ballot. They must come together, on a live proposer.
    const agreed = await until(
      async () => ({ announced: (await log.status()).leader, leading: (await log.cluster.actors()).filter((actor) => actor.leader).map((actor) => actor.id) }),
      ({ announced, leading }) => leading.length === 1 && announced === leading[0],
      'the announced leader and the leading proposer to agree',
    );
    expect(status.actors.find((actor) => actor.id === agreed.announced)).toMatchObject({ role: 'proposer', alive: true });
    expect(status.quorum).toEqual({ acceptors: 3, acceptorsAlive: 3, acceptorsNeeded: 2, ok: true });
    expect(status.storage).toMatchObject({ kind: 'memory', state: 'ok' });
    expect(status.storage.failure).toBeUndefined();
    expect(status.actors).toHaveLength(2 + 3 + 2);
    expect(status.actors.every((actor) => actor.alive && actor.restarts === 0 && actor.exitReason === undefined)).toBe(true);
    expect(status.actors.filter((actor) => actor.role === 'acceptor')).toHaveLength(3);
    expect(log.bounds()).toEqual({ firstIndex: 0, nextIndex: 20 });
  });

  it('with a dir: file storage, and a reopened log knows its bounds before anything new is appended', async () => {
    dir = mkdtempSync(join(tmpdir(), 'synod-status-'));
    const log = await ReplicatedLog.open({ storage: { dir } });
    try {
      for (let i = 0; i < 12; i++) await log.append(entry(i));
      expect(await log.trim(5)).toBe(5);
      const status = await log.status();
      expect(status.storage).toEqual({ kind: 'file', dir, fsync: 'batch', state: 'ok' });
    } finally {
      await log.close();
    }
    const reopened = track(await ReplicatedLog.open({ storage: { dir } }));
    expect(reopened.bounds()).toEqual({ firstIndex: 5, nextIndex: 12 });
  });

  it('after trim: firstIndex is what trim resolved to, on the owner and through a handle', async () => {
    const log = await openLog();
    for (let i = 0; i < 30; i++) await log.append(entry(i));
    const first = await log.trim(10);
    expect(first).toBe(10);
    expect(log.bounds().firstIndex).toBe(10);
    const status = await log.status();
    expect(status.firstIndex).toBe(10);
    expect(status.learners.every((learner) => learner.firstIndex === 10)).toBe(true);
    const connected = track(await ReplicatedLog.connect(log.handle()));
    expect(connected.bounds()).toEqual({ firstIndex: 10, nextIndex: 30 });
    await expect(connected.status()).rejects.toThrow(TypeError);
    expect(connected.metrics().actorsAlive).toBeUndefined();
  });

  it('after close: status, bounds and metrics are LogClosedError', async () => {
    const log = await openLog();
    await log.close();
    await expect(log.status()).rejects.toThrow(LogClosedError);
    expect(() => log.bounds()).toThrow(LogClosedError);
    expect(() => log.metrics()).toThrow(LogClosedError);
  });
});

describe('log.metrics()', () => {
  it('counts appends, bytes, refusals and leader changes; gauges the bounds, leader and quorum', async () => {
    const log = await openLog();
    const before = log.metrics();
    expect(before.appendsAcknowledgedTotal).toBe(0);
    for (let i = 0; i < 10; i++) await log.append(entry(i));
    await expect(log.append('not bytes' as unknown as Uint8Array)).rejects.toThrow(TypeError);
    const aborted = new AbortController();
    aborted.abort();
    await expect(log.append(entry(0), { signal: aborted.signal })).rejects.toThrow(/aborted/);
    // Aborted once it was on its way (its listener rejects it): counted as aborted too. It may
    // still commit, as a timed-out append may.
    const later = new AbortController();
    const abortedInFlight = log.append(entry(0), { signal: later.signal });
    later.abort();
    await expect(abortedInFlight).rejects.toThrow(/aborted/);
    // An empty entry is an append of no bytes, not a reservation.
    await log.append(new Uint8Array(0));
    const metrics = log.metrics();
    expect(metrics).toMatchObject({
      appendsAcknowledgedTotal: 11,
      appendBytesAcknowledgedTotal: 1000,
      reservationsAcknowledgedTotal: 0,
      indexesReservedTotal: 0,
      appendsRefusedTotal: 1,
      appendsFailedAbortedTotal: 2,
      appendsFailedTimeoutTotal: 0,
      appendsInflight: 0,
      firstIndex: 0,
      storageFailing: 0,
      actorsAlive: 6,
      acceptorsAlive: 3,
      quorumOk: 1,
    });
    expect(metrics.deliveredIndex).toBeGreaterThanOrEqual(11);
    expect(metrics.deliveredIndex).toBeLessThanOrEqual(12);
    // open() waited for the first leader, whose announcement the owner's client heard.
    expect(metrics.leaderChangesTotal).toBeGreaterThanOrEqual(1);
    expect(metrics.leaderId).toBe((await log.status()).leader);
  });

  it('a sequencer has the same status, bounds and metrics: reservations count there', async () => {
    const sequencer = track(await Sequencer.open());
    const numbers = await Promise.all(Array.from({ length: 5 }, () => sequencer.next()));
    expect(numbers).toEqual([0, 1, 2, 3, 4]);
    const status = await sequencer.status();
    expect(status.nextIndex).toBeGreaterThanOrEqual(5);
    expect(status.quorum.ok).toBe(true);
    // A refill ahead of need may be delivered at any moment: bounds() lies between two status() reads.
    const bounds = sequencer.bounds();
    expect(bounds.nextIndex).toBeGreaterThanOrEqual(status.nextIndex);
    expect((await sequencer.status()).nextIndex).toBeGreaterThanOrEqual(bounds.nextIndex);
    const metrics = sequencer.metrics();
    expect(metrics.reservationsAcknowledgedTotal).toBeGreaterThanOrEqual(1);
    // A refill ahead of need may be delivered (in nextIndex) before its acknowledgement counts here.
    expect(metrics.indexesReservedTotal).toBeGreaterThanOrEqual(5);
    expect(metrics.indexesReservedTotal).toBeLessThanOrEqual(status.nextIndex);
    expect(metrics.appendsAcknowledgedTotal).toBe(0);
    await sequencer.close();
    await expect(sequencer.status()).rejects.toThrow(LogClosedError);
  });
});
