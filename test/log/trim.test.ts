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
async function readFrom(log: ReplicatedLog, from: number): Promise<number[]> {
  const indexes: number[] = [];
  for await (const { index } of log.read({ from })) indexes.push(index);
  return indexes;
}

describe('trim', () => {
  it('releases the prefix at every learner; reads below it name where the log starts', async () => {
    const log = await openLog({ learners: 3 });
    await appendMany(log, 0, 1000);
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
