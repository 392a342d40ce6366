// log.trim(beforeIndex): a prefix released at every learner, in memory and on disk; reading below
// it is a LogTrimmedError that says where the log now starts.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogTrimmedError, type ReplicatedLog } from 'synod';
import { closedAfterEach } from './helpers.js';

let dirs: string[] = [];
// Registered first, so it runs after the logs are closed (after-hooks run in reverse order).
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});
const { openLog } = closedAfterEach();
const text = (data: Uint8Array): string => new TextDecoder().decode(data);
async function appendMany(log: ReplicatedLog, from: number, count: number, bytes = 0): Promise<void> {
  const pad = 'x'.repeat(bytes);
  for (let i = from; i < from + count; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, from + count - i) }, (_, k) => log.append(new TextEncoder().encode(`e${i + k}${pad}`))));
  }
}
/**
 * Waits until every learner has delivered `count` entries: trim() resolves to the lowest start over
 * the learners, and one still behind trims only as far as it has delivered.
 */
async function caughtUp(log: ReplicatedLog, count: number): Promise<void> {
  const deadline = performance.now() + 20_000;
  for (;;) {
    const { learners } = await log.status();
    if (learners.every((learner) => learner.delivered >= count)) return;
    if (performance.now() > deadline) throw new Error(`gave up waiting for every learner to deliver ${count}: ${JSON.stringify(learners)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
async function readFrom(log: ReplicatedLog, from: number): Promise<number[]> {
  const indexes: number[] = [];
  for await (const { index } of log.read({ from })) indexes.push(index);
  return indexes;
}

describe('trim', () => {
  it('releases the prefix at every learner; reads below it name where the log starts', async () => {
    const log = await openLog({ learners: 3 });
    await appendMany(log, 0, 1000);
    await caughtUp(log, 1000);
    expect(await log.trim(600)).toBe(600);
    for (const from of [0, 599]) {
      const error = await readFrom(log, from).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(LogTrimmedError);
      expect(error).toMatchObject({ index: from, firstIndex: 600 });
      expect(String(error)).toMatch(/the log now starts at 600/);
    }
    const kept = await readFrom(log, 600);
    expect(kept).toEqual(Array.from({ length: 400 }, (_, i) => 600 + i));
    // Entries are where they were, data and all; appends number on.
    for await (const { index, data } of log.read({ from: 998 })) expect(text(data).startsWith(`e${index}`) || index >= 1000).toBe(true);
    expect(await log.append(new TextEncoder().encode('after'))).toBe(1000);
    expect(await log.trim(100)).toBe(600); // below the start: nothing to do
  });

  it('a follow reader below the start is told too', async () => {
    const log = await openLog();
    await appendMany(log, 0, 50);
    await log.trim(20);
    const follow = async (): Promise<unknown> => {
      for await (const entry of log.read({ from: 5, follow: true })) return entry;
      return undefined;
    };
    await expect(follow()).rejects.toMatchObject({ name: 'LogTrimmedError', index: 5, firstIndex: 20 });
  });

  it('bad indexes are TypeError or RangeError and change nothing', async () => {
    const log = await openLog();
    await appendMany(log, 0, 10);
    for (const bad of [1.5, '3', null]) await expect(log.trim(bad as never)).rejects.toBeInstanceOf(TypeError);
    await expect(log.trim(-1)).rejects.toBeInstanceOf(RangeError);
    expect(await readFrom(log, 0)).toHaveLength(10);
  });

  it('past the end is a RangeError naming the index and nextIndex, and entries appended later are kept', async () => {
    const log = await openLog({ learners: 2 });
    await appendMany(log, 0, 10);
    expect(log.bounds()).toEqual({ firstIndex: 0, nextIndex: 10 });
    for (const beyond of [11, 12, 1000, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1]) {
      const error = await log.trim(beyond).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RangeError);
      expect(String(error)).toContain(`trim index ${beyond} is past the end of the log: at most nextIndex, 10`);
    }
    for (const bad of [Number.POSITIVE_INFINITY, Number.NaN, 10.5]) await expect(log.trim(bad)).rejects.toBeInstanceOf(TypeError);
    await expect(log.trim(-1)).rejects.toThrow(/trim index must be 0 or more, got -1/);
    // Nothing moved, and nothing waits to trim what comes next: new entries stay readable.
    expect(log.bounds()).toEqual({ firstIndex: 0, nextIndex: 10 });
    await appendMany(log, 10, 20);
    expect(await readFrom(log, 0)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(log.bounds()).toEqual({ firstIndex: 0, nextIndex: 30 });
  });

  it('at the end (nextIndex) releases every entry; the log then starts where the next append goes', async () => {
    const log = await openLog({ learners: 2 });
    await appendMany(log, 0, 10);
    await caughtUp(log, 10);
    expect(await log.trim(10)).toBe(10);
    expect(log.bounds()).toEqual({ firstIndex: 10, nextIndex: 10 });
    expect(await readFrom(log, 10)).toEqual([]);
    expect(await log.append(new TextEncoder().encode('next'))).toBe(10);
    expect(await readFrom(log, 10)).toEqual([10]);
    await expect(log.trim(12)).rejects.toThrow(/trim index 12 is past the end of the log: at most nextIndex, 11/);
    await caughtUp(log, 11);
    expect(await log.trim(11)).toBe(11);
  });

  it('the entry after the last one read can always be trimmed (a consumer trims to processed + 1)', async () => {
    const log = await openLog({ learners: 3 });
    const appending = appendMany(log, 0, 300);
    let processed = -1;
    for await (const { index } of log.read({ from: 0, follow: true })) {
      processed = index;
      // Every entry handed out is below nextIndex as bounds() reads it now.
      expect(index).toBeLessThan(log.bounds().nextIndex);
      if (index % 50 === 49) expect(await log.trim(processed + 1)).toBeLessThanOrEqual(processed + 1);
      if (index === 299) break;
    }
    await appending;
    expect(processed).toBe(299);
    expect(log.bounds().nextIndex).toBe(300);
  });

  it('with storage.dir, the file shrinks and the log still starts there after a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synod-trim-'));
    dirs.push(dir);
    const learnerFile = join(dir, 'learner-5.log');
    let log = await openLog({ storage: { dir } });
    await appendMany(log, 0, 2000, 200);
    const before = statSync(learnerFile).size;
    expect(await log.trim(1900)).toBe(1900);
    expect(statSync(learnerFile).size).toBeLessThan(before / 5);
    await log.close();
    log = await openLog({ storage: { dir } });
    await expect(readFrom(log, 0)).rejects.toMatchObject({ name: 'LogTrimmedError', firstIndex: 1900 });
    expect(await readFrom(log, 1900)).toHaveLength(100);
    expect(await log.append(new TextEncoder().encode('after reopen'))).toBe(2000);
  });
});
