import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ReplicatedLog, Sequencer } from 'synod';
import { tagEntry } from '../fixtures/log/entry.js';
import { appender, checkExactlyOnce, closedAfterEach, fixture, readAll, runWorker } from './helpers.js';

const { openLog, track } = closedAfterEach();

describe('ReplicatedLog', () => {
  it('appends resolve to dense indexes and read gives the entries back in order', async () => {
    const log = await openLog();
    const data = Array.from({ length: 300 }, (_, i) => new TextEncoder().encode(`entry ${i}`));
    const indexes = await Promise.all(data.map((bytes) => log.append(bytes)));
    expect([...indexes].sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    const read: string[] = [];
    for await (const { index, data: bytes } of log.read({ from: 0 })) {
      expect(index).toBe(read.length);
      read.push(new TextDecoder().decode(bytes));
    }
    expect(read).toHaveLength(300);
    indexes.forEach((index, i) => expect(read[index]).toBe(`entry ${i}`));
    const tail: number[] = [];
    for await (const { index } of log.read({ from: 298 })) tail.push(index);
    expect(tail).toEqual([298, 299]);
  });

  it('an append that resolved before another was called gets the lower index', async () => {
    const log = await openLog();
    let last = -1;
    for (let i = 0; i < 50; i++) {
      const index = await log.append(new Uint8Array([i]));
      expect(index).toBeGreaterThan(last);
      last = index;
    }
  });

  it('lists its actors, one thread each, with one leader', async () => {
    const log = await openLog();
    await log.append(new Uint8Array([1]));
    const actors = await log.cluster.actors();
    expect(actors.map((a) => a.role).sort()).toEqual(['acceptor', 'acceptor', 'acceptor', 'learner', 'proposer', 'proposer']);
    expect(new Set(actors.map((a) => a.threadId)).size).toBe(6);
    expect(actors.every((a) => a.alive)).toBe(true);
    expect(actors.filter((a) => a.leader)).toHaveLength(1);
  });

  it('takes concurrent appends from four worker threads through handles, each exactly once', async () => {
    const log = await openLog();
    const appenders = await Promise.all([1, 2, 3, 4].map((writer) => appender(log.handle(), writer, 2000, 32)));
    for (const { results } of appenders) expect(results.every((r) => typeof r === 'number')).toBe(true);
    const tags = await readAll(log);
    expect(tags).toHaveLength(8000);
    checkExactlyOnce(tags, appenders, 2000);
  });

  it('follows the log: a reader sees entries appended after it started, then stops cleanly', async () => {
    const log = await openLog();
    await log.append(tagEntry(0, 0));
    const seen: number[] = [];
    const reader = (async () => {
      for await (const { index } of log.read({ from: 0, follow: true })) {
        seen.push(index);
        if (seen.length === 101) break;
      }
    })();
    for (let i = 1; i <= 100; i++) await log.append(tagEntry(0, i));
    await reader;
    expect(seen).toEqual(Array.from({ length: 101 }, (_, i) => i));
  });

  it('keeps memory bounded: acceptors release the prefix every learner has delivered', async () => {
    const log = await openLog();
    for (let round = 0; round < 20; round++) await Promise.all(Array.from({ length: 500 }, (_, i) => log.append(tagEntry(round, i))));
    const acceptors = (await log.cluster.actors()).filter((actor) => actor.role === 'acceptor');
    let slotsHeld = Number.POSITIVE_INFINITY;
    for (let attempt = 0; attempt < 100 && slotsHeld > 100; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20)); // progress reports and heartbeats run every few ms
      const counters = await Promise.all(acceptors.map((actor) => log.cluster.counters(actor.id)));
      slotsHeld = Math.max(...counters.map((c) => c.logSlots!));
    }
    // 10,000 entries went through; what an acceptor still holds is the window in flight, not the history.
    expect(slotsHeld).toBeLessThanOrEqual(100);
  });

  it('connects and disconnects a hundred times: each endpoint is unwired on close, and the log works on', async () => {
    const log = await openLog();
    const handle = log.handle();
    for (let i = 0; i < 100; i++) {
      const remote = await ReplicatedLog.connect(handle);
      expect(await remote.append(new Uint8Array([i]))).toBe(i);
      await remote.close();
    }
    const indexes = await Promise.all(Array.from({ length: 1000 }, () => log.append(new Uint8Array(16))));
    expect(Math.max(...indexes)).toBe(1099);
    const again = await ReplicatedLog.connect(handle);
    expect(await again.append(new Uint8Array([1]))).toBe(1100);
    await again.close();
  });

  it('has a leader when open resolves: appends right after it commit even with a 50 ms appendTimeoutMs', async () => {
    const log = await openLog({ appendTimeoutMs: 50 });
    const indexes = await Promise.all(Array.from({ length: 20 }, (_, i) => log.append(new Uint8Array([i]))));
    expect([...indexes].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect((await log.cluster.actors()).filter((actor) => actor.leader)).toHaveLength(1);
  });

  it('one handle connects any number of times, each connect an endpoint of its own', async () => {
    const log = await openLog();
    const handle = log.handle();
    const connected = await Promise.all([ReplicatedLog.connect(handle), ReplicatedLog.connect(handle), ReplicatedLog.connect(handle)]);
    const indexes = await Promise.all(connected.map((remote, i) => remote.append(new Uint8Array([i]))));
    expect([...indexes].sort()).toEqual([0, 1, 2]);
    await Promise.all(connected.map((remote) => remote.close()));
    expect(await (await ReplicatedLog.connect(handle)).append(new Uint8Array([9]))).toBe(3);
  });

  it('close() ends every thread: the process exits by itself', () => {
    const result = spawnSync(process.execPath, [fileURLToPath(fixture('close-exits'))], { encoding: 'utf8', timeout: 60_000 });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('closed');
    expect(result.status).toBe(0);
  });
});

describe('Sequencer', () => {
  it('next(count) reserves count consecutive numbers in one promise, mixed with single calls in one turn', async () => {
    const sequencer = await Sequencer.open();
    track(sequencer);
    const calls = [1, 5000, 1, 65_536, 3, 2000];
    const firsts = await Promise.all(calls.map((count) => sequencer.next(count)));
    const taken: number[] = [];
    calls.forEach((count, i) => {
      for (let k = 0; k < count; k++) taken.push(firsts[i]! + k);
    });
    taken.sort((a, b) => a - b);
    expect(taken).toEqual(Array.from({ length: taken.length }, (_, i) => i));
    for (let i = 1; i < firsts.length; i++) expect(firsts[i]).toBeGreaterThan(firsts[i - 1]!); // in call order
    for (const bad of [0, -1, 1.5, 65_537]) await expect(sequencer.next(bad)).rejects.toBeInstanceOf(RangeError);
    expect(await sequencer.next()).toBe(taken.length);
  });

  it('hands four threads numbers that increase per caller and together cover 0..n-1 without a gap', async () => {
    const sequencer = await Sequencer.open();
    track(sequencer);
    const perThread = await Promise.all([0, 1, 2, 3].map(() => runWorker<number[]>('sequencer-user', { handle: sequencer.handle(), count: 500 })));
    const mine: number[] = [];
    for (let i = 0; i < 100; i++) mine.push(await sequencer.next());
    for (const numbers of [...perThread, mine]) {
      for (let i = 1; i < numbers.length; i++) expect(numbers[i]).toBeGreaterThan(numbers[i - 1]!);
    }
    const all = [...perThread.flat(), ...mine].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 2100 }, (_, i) => i));
  });
});
