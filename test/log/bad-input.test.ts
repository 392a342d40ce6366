import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EntryTooLargeError, LogClosedError, ReplicatedLog, Sequencer } from 'synod';

describe('bad input gets a clear error and never disturbs the log', () => {
  let log: ReplicatedLog;
  beforeAll(async () => {
    log = await ReplicatedLog.open({ entryBytesMax: 1024 });
    await log.append(new Uint8Array([0]));
  });
  afterAll(() => log.close());

  it('append: a non-Uint8Array is a TypeError, an oversized entry a RangeError naming the limit', async () => {
    for (const bad of ['text', 42, null, undefined, [1, 2], new Uint16Array(2), Buffer.from('x').buffer]) {
      await expect(log.append(bad as never)).rejects.toBeInstanceOf(TypeError);
    }
    const tooBig = log.append(new Uint8Array(1025));
    await expect(tooBig).rejects.toBeInstanceOf(EntryTooLargeError);
    await expect(log.append(new Uint8Array(1025))).rejects.toBeInstanceOf(RangeError);
    await expect(log.append(new Uint8Array(1025))).rejects.toThrow(/1025 bytes exceeds the limit of 1024 bytes/);
    expect(await log.append(new Uint8Array(1024))).toBe(1);
  });

  it('read: a negative or non-integer from is a RangeError', () => {
    for (const from of [-1, 1.5, Number.NaN, '0']) expect(() => log.read({ from: from as number })).toThrow(RangeError);
  });

  it('cluster.kill: bad options are a TypeError, and nothing is killed', async () => {
    const acceptor = (await log.cluster.actors()).find((actor) => actor.role === 'acceptor')!;
    await expect(log.cluster.kill(acceptor.id, { restart: 'no' } as never)).rejects.toThrow(/kill option restart must be a boolean, got no/);
    await expect(log.cluster.kill(acceptor.id, 'hard' as never)).rejects.toBeInstanceOf(TypeError);
    await expect(log.cluster.kill(acceptor.id, { restarts: false } as never)).rejects.toThrow(/unknown kill option restarts/);
    expect((await log.cluster.actors()).find((actor) => actor.id === acceptor.id)).toMatchObject({ alive: true });
    expect((await log.cluster.actors()).every((actor) => actor.alive)).toBe(true);
  });

  it('the log still works after all of that', async () => {
    const index = await log.append(new TextEncoder().encode('fine'));
    const entries: string[] = [];
    for await (const { data } of log.read({ from: index })) entries.push(new TextDecoder().decode(data));
    expect(entries).toEqual(['fine']);
  });
});

describe('invalid options are errors at open', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['zero acceptors', { acceptors: 0 }, /acceptors must be from 1 to 31, got 0/],
    ['even acceptors', { acceptors: 4 }, /option acceptors must be an odd count/],
    ['negative proposers', { proposers: -1 }, /proposers must be from 1 to 15, got -1/],
    ['fractional learners', { learners: 1.5 }, /learners must be an integer/],
    ['unknown fsync mode', { storage: { dir: '/tmp/x', fsync: 'sometimes' } }, /fsync must be one of always, batch, never, got sometimes/],
    ['storage without dir', { storage: {} }, /storage.dir/],
    ['unknown option', { acceptor: 3 }, /unknown option acceptor/],
    ['ring not a power of two', { ringBytes: 100_000 }, /ringBytes must be a power of two/],
    ['supervision not an object', { supervision: 'on' }, /option supervision must be an object, got on/],
    ['supervision backoff below zero', { supervision: { backoffInitialMs: -1 } }, /option supervision.backoffInitialMs must be from 0 to 2147483647, got -1/],
    ['supervision backoff cap below its start', { supervision: { backoffInitialMs: 100, backoffMaxMs: 10 } }, /option supervision.backoffMaxMs 10 must be at least option supervision.backoffInitialMs 100/],
    ['supervision intensity over no time', { supervision: { intensity: { restarts: 3, periodMs: 0 } } }, /option supervision.intensity.periodMs must be from 1 to 2147483647, got 0/],
    ['supervision restart policy unknown', { supervision: { restart: 'always' } }, /option supervision.restart must be one of permanent, temporary, got always/],
    ['unknown supervision key', { supervision: { restarts: 3 } }, /unknown option supervision key restarts/],
  ];
  for (const [name, options, message] of cases) {
    it(name, async () => {
      await expect(ReplicatedLog.open(options as never)).rejects.toThrow(message);
      await expect(Sequencer.open(options as never)).rejects.toThrow(message);
    });
  }
});

describe('after close', () => {
  it('every call rejects with LogClosedError', async () => {
    const log = await ReplicatedLog.open({ proposers: 1, acceptors: 1 });
    const handle = log.handle();
    await log.close();
    await expect(log.append(new Uint8Array([1]))).rejects.toBeInstanceOf(LogClosedError);
    expect(() => log.read()).toThrow(LogClosedError);
    expect(() => log.handle()).toThrow(LogClosedError);
    await log.close(); // twice is fine
    void handle;
    const sequencer = await Sequencer.open({ proposers: 1, acceptors: 1 });
    await sequencer.close();
    await expect(sequencer.next()).rejects.toBeInstanceOf(LogClosedError);
  });

  it('appends in flight when the log closes reject with LogClosedError', async () => {
    const log = await ReplicatedLog.open({ proposers: 1, acceptors: 1 });
    const settled = Promise.allSettled(Array.from({ length: 200 }, () => log.append(new Uint8Array(8))));
    await log.close();
    const outcomes = await settled;
    expect(outcomes.some((outcome) => outcome.status === 'rejected')).toBe(true);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(LogClosedError);
    }
  });
});
