// The sequencer hands out numbers reserved ahead of its callers (src/log/number-lease.ts). What
// that must not cost: a gap across a clean close and reopen, a number issued twice when a thread
// doing a refill vanishes, or a hang of other threads' calls when the owner closes.
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { afterEach, describe, expect, it } from 'vitest';
import { CorruptLogError, Sequencer } from 'synod';
import { NumberLease } from '../../src/log/number-lease.js';
import { fixture } from './helpers.js';

let dir: string;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** `total` numbers with `lanes` calls in flight; checks each lane's numbers increase. */
async function take(sequencer: Sequencer, total: number, lanes = 256): Promise<number[]> {
  const numbers: number[] = [];
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      let previous = -1;
      while (numbers.length < total) {
        const n = await sequencer.next();
        expect(n).toBeGreaterThan(previous);
        previous = n;
        numbers.push(n);
      }
    }),
  );
  return numbers.sort((a, b) => a - b);
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('a sequencer with numbers on hand', () => {
  it('numbers on from the first number not handed out after a clean close, though it had reserved more', async () => {
    dir = mkdtempSync(join(tmpdir(), 'synod-seq-lease-'));
    const storage = { dir, fsync: 'never' as const };
    let sequencer = await Sequencer.open({ storage });
    const first = await take(sequencer, 20_000);
    await sequencer.close();
    const taken = first.length; // lanes in flight at the end take a few past 20,000
    expect(first).toEqual(range(0, taken));
    // The window had reserved numbers nobody took: the close recorded them.
    const recorded = JSON.parse(readFileSync(join(dir, 'SEQUENCER.json'), 'utf8')) as { offset: number };
    expect(recorded.offset).toBeGreaterThan(0);

    sequencer = await Sequencer.open({ storage });
    expect(await sequencer.next()).toBe(taken);
    const second = await take(sequencer, 5000, 16);
    await sequencer.close();
    expect(second).toEqual(range(taken + 1, second.length));

    // Without the record the reopened sequencer could only number past everything reserved:
    // unique still, but with a gap. (The record is what the first reopen relied on.)
    const after = taken + 1 + second.length;
    unlinkSync(join(dir, 'SEQUENCER.json'));
    sequencer = await Sequencer.open({ storage });
    expect(await sequencer.next()).toBeGreaterThan(after);
    await sequencer.close();
  });

  it('refuses a damaged record with CorruptLogError, and leaves the directory free to open', async () => {
    dir = mkdtempSync(join(tmpdir(), 'synod-seq-lease-'));
    const storage = { dir, fsync: 'never' as const };
    const sequencer = await Sequencer.open({ storage });
    await sequencer.next();
    await sequencer.close();
    const path = join(dir, 'SEQUENCER.json');
    const good = readFileSync(path, 'utf8');
    for (const bad of ['{', '{"format":1,"offset":-3}', '{"format":2,"offset":0}', '{"format":1,"offset":1.5}']) {
      writeFileSync(path, bad);
      await expect(Sequencer.open({ storage })).rejects.toBeInstanceOf(CorruptLogError);
    }
    writeFileSync(path, good);
    const reopened = await Sequencer.open({ storage });
    expect(await reopened.next()).toBe(1);
    await reopened.close();
  });

  it('takes over a refill whose thread vanished, and never hands out the range that refill may get', async () => {
    const sequencer = await Sequencer.open({ appendTimeoutMs: 100 });
    try {
      // A thread took the refill ticket and was gone before it reserved anything.
      const vanished = new NumberLease(sequencer.handle().numbers);
      const ticket = vanished.beginRefill();
      expect(ticket).not.toBe(0);
      const numbers = await Promise.all(range(0, 10).map(() => sequencer.next()));
      expect(numbers).toEqual(range(0, 10));
      // Had it reserved a range after all, the window refuses it.
      expect(vanished.publish(ticket, 1_000_000, 5)).toBe(false);
      expect(await sequencer.next()).toBe(10);
    } finally {
      await sequencer.close();
    }
  });

  it('closes within a second though a thread that took the refill ticket vanished', async () => {
    const sequencer = await Sequencer.open(); // appendTimeoutMs 30 s: a takeover would wait 60 s
    new NumberLease(sequencer.handle().numbers).beginRefill();
    const closing = performance.now();
    await sequencer.close();
    expect(performance.now() - closing).toBeLessThan(5000);
  });

  it('stops a busy thread that never yields at once when the owner closes, without a number twice', async () => {
    const sequencer = await Sequencer.open();
    const started = new SharedArrayBuffer(4);
    const worker = new Worker(fixture('sequencer-until-closed'), { workerData: { handle: sequencer.handle(), lanes: 64, started } });
    const report = new Promise<{ numbers: number[][]; stoppedBy: string[] }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const mine: number[] = [];
    while (Atomics.load(new Int32Array(started), 0) === 0) mine.push(await sequencer.next());
    const closing = performance.now();
    await sequencer.close();
    const { numbers, stoppedBy } = await report;
    expect(performance.now() - closing).toBeLessThan(5000); // not a hang: without the shared flag the lanes would spin forever
    expect(new Set(stoppedBy)).toEqual(new Set(['LogClosedError']));
    for (const lane of numbers) for (let i = 1; i < lane.length; i++) expect(lane[i]).toBeGreaterThan(lane[i - 1]!);
    const all = [...numbers.flat(), ...mine].sort((a, b) => a - b);
    expect(all).toEqual(range(0, all.length)); // unique and gapless across both threads
    await expect(sequencer.next()).rejects.toMatchObject({ name: 'LogClosedError' });
  });

  it('a piscina pool that goes idle leaves no refill out: the owner numbers on and closes at once', async () => {
    const sequencer = await Sequencer.open();
    const pool = new Piscina<{ count: number }, number[]>({ filename: fixture('sequencer-pool-task').href, minThreads: 4, maxThreads: 4, workerData: { handle: sequencer.handle() } });
    try {
      const perTask = await Promise.all(Array.from({ length: 40 }, () => pool.run({ count: 500 })));
      for (const numbers of perTask) for (let i = 1; i < numbers.length; i++) expect(numbers[i]).toBeGreaterThan(numbers[i - 1]!);
      // The idle workers are blocked between tasks: a refill one of them had started would be stuck.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(new NumberLease(sequencer.handle().numbers).refillTicket).toBe(0);
      const mine = await take(sequencer, 50_000, 16);
      expect(mine.length).toBeGreaterThanOrEqual(50_000);
    } finally {
      await pool.destroy();
      const closing = performance.now();
      await sequencer.close();
      expect(performance.now() - closing).toBeLessThan(900); // a stuck ticket holds close() 1 s
    }
  });

  it('refills ahead of a connected thread, by the owner, so its calls stop waiting once the window fits its bursts', async () => {
    const sequencer = await Sequencer.open();
    const connected = await Sequencer.connect(sequencer.handle());
    const window = new NumberLease(sequencer.handle().numbers);
    /** Takes `burst` numbers at once from the connected view; whether any call had to wait for a refill. */
    const burstWaited = async (burst: number): Promise<boolean> => {
      let settled = 0;
      const calls = Array.from({ length: burst }, () => connected.next().then((n) => (settled++, n)));
      for (let tick = 0; tick < 4; tick++) await Promise.resolve(); // numbers on hand: settled in a microtask
      const waited = settled < burst;
      const numbers = await Promise.all(calls);
      expect(numbers).toEqual(range(numbers[0]!, burst));
      // Let the owner's thread answer a request for a refill, as an event loop that runs does.
      const deadline = performance.now() + 200;
      while ((window.refillTicket !== 0 || window.isLow()) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1));
      return waited;
    };
    try {
      for (let taken = 0; taken < 2000; taken += 100) await burstWaited(100); // the window grows to fit the bursts
      let waits = 0;
      for (let i = 0; i < 200 && waits < 5; i++) if (await burstWaited(100)) waits++;
      // Without the owner refilling ahead of need, the window ran dry (and the calls waited) at
      // every refill: at least 3 times in these 20,000 numbers after 2,000.
      expect(waits).toBe(0);
    } finally {
      await connected.close();
      await sequencer.close();
    }
  });

  it('stops refilling once nobody takes numbers', async () => {
    const sequencer = await Sequencer.open();
    try {
      const window = new NumberLease(sequencer.handle().numbers);
      expect(await sequencer.next()).toBe(0); // the window's first number: it leaves the window low
      await new Promise((resolve) => setTimeout(resolve, 100));
      const generation = window.generation;
      await new Promise((resolve) => setTimeout(resolve, 200));
      // A take's stale `low` once started a refill after every publish, for as long as the log ran.
      expect(window.generation).toBe(generation);
    } finally {
      await sequencer.close();
    }
  });

  it('connects only through a sequencer handle', async () => {
    const sequencer = await Sequencer.open();
    try {
      const { numbers: _numbers, ...logHandle } = sequencer.handle();
      await expect(Sequencer.connect(logHandle as never)).rejects.toBeInstanceOf(TypeError);
    } finally {
      await sequencer.close();
    }
  });
});
