// What a Node library is expected to do (issue 10): AbortSignal on what waits, Symbol.asyncDispose,
// every error class exported from 'synod', read() an iterable whose every loop is a read of its own.
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import * as synod from 'synod';
import { AbortError, ReplicatedLog, Sequencer } from 'synod';
import * as actors from 'synod/actors';
import * as logModule from 'synod/log';
import * as mailbox from 'synod/mailbox';
import * as paxos from 'synod/paxos';
import * as storage from 'synod/storage';
import { closedAfterEach } from './helpers.js';

const { openLog } = closedAfterEach();

describe('AbortSignal', () => {
  it('an append aborted while it waits for a majority rejects at once with an AbortError that may still commit', async () => {
    const log = await openLog();
    await log.append(new Uint8Array([0]));
    const acceptors = (await log.cluster.actors()).filter((actor) => actor.role === 'acceptor');
    await log.cluster.kill(acceptors[0]!.id, { restart: false });
    await log.cluster.kill(acceptors[1]!.id, { restart: false });
    const controller = new AbortController();
    const append = log.append(new Uint8Array([1]), { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(new Error('user gave up'));
    const error = await append.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', mayHaveCommitted: true, cause: new Error('user gave up') });
  });

  it('a signal aborted after its append resolved changes nothing (the append let go of it)', async () => {
    const log = await openLog();
    const controller = new AbortController();
    expect(await log.append(new Uint8Array([1]), { signal: controller.signal })).toBe(0);
    controller.abort();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(log.metrics()).toMatchObject({ appendsAcknowledgedTotal: 1, appendsFailedAbortedTotal: 0 });
    expect(await log.append(new Uint8Array([2]), { signal: controller.signal }).catch((caught: unknown) => caught)).toMatchObject({ name: 'AbortError', mayHaveCommitted: false });
  });

  it('an append with an aborted signal is not sent, and says so', async () => {
    const log = await openLog();
    const error = await log.append(new Uint8Array([1]), { signal: AbortSignal.abort() }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'AbortError', mayHaveCommitted: false });
    expect(await log.append(new Uint8Array([2]))).toBe(0); // nothing took an index
    await expect(log.append(new Uint8Array([3]), { signal: 'no' as never })).rejects.toBeInstanceOf(TypeError);
  });

  it('one signal shared by many appends and reads: one listener on it, no MaxListenersExceededWarning, none left after', async () => {
    const log = await openLog();
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      const appends = Array.from({ length: 64 }, (_, n) => log.append(new Uint8Array([n]), { signal: controller.signal }));
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
      expect(new Set(await Promise.all(appends)).size).toBe(64);
      const reads = Array.from({ length: 16 }, () => log.read({ from: 0, signal: controller.signal })[Symbol.asyncIterator]().next());
      expect((await Promise.all(reads)).map((result) => result.value?.index)).toEqual(new Array(16).fill(0));
      await new Promise((resolve) => setTimeout(resolve, 20)); // a warning is emitted on the next tick
      expect(warnings).toEqual([]);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      // Aborted with many in flight: every one of them rejects.
      const more = Array.from({ length: 32 }, () => log.append(new Uint8Array([1]), { signal: controller.signal }).catch((error: unknown) => error));
      controller.abort();
      for (const outcome of await Promise.all(more)) if (typeof outcome !== 'number') expect(outcome).toMatchObject({ name: 'AbortError' });
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('aborting a follow read ends its loop with an AbortError', async () => {
    const log = await openLog();
    await log.append(new Uint8Array([1]));
    const controller = new AbortController();
    const seen: number[] = [];
    const reading = (async () => {
      for await (const { index } of log.read({ from: 0, follow: true, signal: controller.signal })) seen.push(index);
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([0]);
  });
});

describe('Symbol.asyncDispose', () => {
  it('await using closes a log, a sequencer and a connected handle at the end of the scope', async () => {
    let log: ReplicatedLog;
    let remote: ReplicatedLog;
    {
      await using opened = await ReplicatedLog.open();
      await using connected = await ReplicatedLog.connect(opened.handle());
      log = opened;
      remote = connected;
      expect(await connected.append(new Uint8Array([1]))).toBe(0);
    }
    await expect(remote.append(new Uint8Array([2]))).rejects.toBeInstanceOf(synod.LogClosedError);
    await expect(log.append(new Uint8Array([2]))).rejects.toBeInstanceOf(synod.LogClosedError);
    let sequencer: Sequencer;
    {
      await using opened = await Sequencer.open();
      sequencer = opened;
      expect(await opened.next()).toBe(0);
    }
    await expect(sequencer.next()).rejects.toBeInstanceOf(synod.LogClosedError);
  });
});

describe('read()', () => {
  it('is an iterable: two loops over one result are two whole reads', async () => {
    const log = await openLog();
    for (let i = 0; i < 3; i++) await log.append(new Uint8Array([i]));
    const entries = log.read({ from: 0 });
    const first: number[] = [];
    for await (const { index } of entries) first.push(index);
    const second: number[] = [];
    for await (const { index } of entries) second.push(index);
    expect(first).toEqual([0, 1, 2]);
    expect(second).toEqual([0, 1, 2]);
  });
});

describe('errors', () => {
  it("every error the log and the sequencer throw is exported from 'synod'; the building blocks' from their subpaths", () => {
    const errorClassesOf = (module: object) => Object.values(module).filter((value) => typeof value === 'function' && value.prototype instanceof Error);
    const exported = new Set<unknown>(Object.values(synod));
    // synod/log is the log's own module: every error it exports can reach an application.
    const logErrors = errorClassesOf(logModule);
    expect(logErrors.length).toBeGreaterThan(10);
    for (const errorClass of logErrors) expect(exported.has(errorClass), (errorClass as { name: string }).name).toBe(true);
    // The cluster's calls (kill, restart) throw the actor system's errors about an actor.
    for (const errorClass of [actors.UnknownActorError, actors.ActorNotRunningError, actors.ActorSystemClosedError]) expect(exported.has(errorClass)).toBe(true);
    // Every error class at the root is one of a subpath's, not a copy.
    const bySubpath = new Set(errorClassesOf({ ...actors, ...mailbox, ...paxos, ...storage, ...logModule }));
    for (const errorClass of errorClassesOf(synod)) expect(bySubpath.has(errorClass), (errorClass as { name: string }).name).toBe(true);
  });

  it('electionTimeoutMs below heartbeatIntervalMs is a RangeError like every other bad option', async () => {
    await expect(ReplicatedLog.open({ electionTimeoutMs: 10, heartbeatIntervalMs: 20 })).rejects.toBeInstanceOf(RangeError);
  });
});
