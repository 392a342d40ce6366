// A full disk (issue 10): no role dies of ENOSPC, appends fail promptly with StorageFullError
// (carrying the errno) instead of timing out, the log resumes by itself once there is room, and
// nothing acknowledged is lost, through the failure and a reopen. On a real tmpfs this test mounts,
// which needs root: it runs as root (as CI does), and is skipped elsewhere except under CI=true.
import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplicatedLog, Sequencer, StorageFullError } from 'synod';
import { describeIfAvailable, runsHere } from '../requires.js';

const isRoot = process.getuid?.() === 0;

let mountPoint: string;
/** A second, separate filesystem: only the learner's file lives there in the second test. */
let learnerMount: string;
function mountTmpfs(): string {
  const point = mkdtempSync(join(tmpdir(), 'synod-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', point]);
  return point;
}
beforeAll(() => {
  if (!runsHere(isRoot)) return;
  if (!isRoot) throw new Error('this test mounts a small tmpfs to fill it, which needs root (CI runs as root)');
  mountPoint = mountTmpfs();
  learnerMount = mountTmpfs();
});
afterAll(() => {
  if (!runsHere(isRoot)) return;
  for (const point of [mountPoint, learnerMount]) {
    if (point === undefined) continue;
    execFileSync('umount', [point]);
    rmSync(point, { recursive: true, force: true });
  }
});

/** Writes zeros into `path` until the filesystem refuses: what is left is only the disk's slack. */
function fillDisk(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

const entry = (i: number): Uint8Array => new TextEncoder().encode(`entry ${i} `.padEnd(2000, '.'));

async function scenario(dir: string, filler: string): Promise<void> {
  const acknowledged = new Map<number, number>(); // index -> entry number
  let log = await ReplicatedLog.open({ storage: { dir }, appendTimeoutMs: 20_000 });
  let next = 0;
  const appendSome = async (count: number): Promise<unknown[]> => {
    const results = await Promise.allSettled(Array.from({ length: count }, () => {
      const i = next++;
      return log.append(entry(i)).then((index) => acknowledged.set(index, i));
    }));
    return results.filter((result) => result.status === 'rejected').map((result) => (result as PromiseRejectedResult).reason);
  };
  try {
    expect(await appendSome(50)).toEqual([]);

    fillDisk(filler);
    const started = performance.now();
    const errors = await appendSome(50);
    const failedWithinMs = performance.now() - started;
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      expect(error).toBeInstanceOf(StorageFullError);
      expect(error).toMatchObject({ name: 'StorageFullError', code: 'ERR_SYNOD_STORAGE_FULL', systemCode: 'ENOSPC', retryable: true });
      expect((error as StorageFullError).errno).toBeLessThan(0);
    }
    expect(failedWithinMs).toBeLessThan(10_000); // well before appendTimeoutMs
    const actors = await log.cluster.actors();
    expect(actors.filter((actor) => !actor.alive)).toEqual([]);

    rmSync(filler);
    // Once writes succeed again the log goes on by itself.
    expect(await appendSome(20)).toEqual([]);

    const check = async (): Promise<void> => {
      const byIndex = new Map<number, string>();
      for await (const { index, data } of log.read({ from: 0 })) byIndex.set(index, new TextDecoder().decode(data));
      for (const [index, i] of acknowledged) expect(byIndex.get(index), `acknowledged index ${index}`).toBe(new TextDecoder().decode(entry(i)));
    };
    await check();
    await log.close();
    log = await ReplicatedLog.open({ storage: { dir } });
    await check();
  } finally {
    await log.close();
  }
}

describeIfAvailable(isRoot, 'the full-disk test mounts a tmpfs, which needs root')('a full disk', () => {
  it('fails appends with StorageFullError, keeps every role alive, and resumes once there is room', async () => {
    const dir = join(mountPoint, 'log');
    mkdirSync(dir);
    await scenario(dir, join(mountPoint, 'filler'));
  });

  it('the same when only the learner\'s disk is full (the acceptors still write)', async () => {
    const dir = join(mountPoint, 'log-2');
    mkdirSync(dir);
    // Default layout: proposers 0-1, acceptors 2-4, learner 5. The learner's file moves to the
    // other filesystem once the directory exists.
    await (await ReplicatedLog.open({ storage: { dir } })).close();
    copyFileSync(join(dir, 'learner-5.log'), join(learnerMount, 'learner.log'));
    rmSync(join(dir, 'learner-5.log'));
    symlinkSync(join(learnerMount, 'learner.log'), join(dir, 'learner-5.log'));
    await scenario(dir, join(learnerMount, 'filler'));
  });

  it('trim on a full disk rejects with StorageFullError saying it needs room, trims nothing, and goes through once there is room', async () => {
    const dir = join(mountPoint, 'trim');
    mkdirSync(dir);
    const filler = join(mountPoint, 'filler-trim');
    const log = await ReplicatedLog.open({ storage: { dir }, appendTimeoutMs: 20_000 });
    try {
      for (let i = 0; i < 60; i++) expect(await log.append(entry(i))).toBe(i);
      fillDisk(filler);
      // The kept entries go to a new file before the old one goes: no room, no trim.
      const refused = await log.trim(50).then(
        (firstIndex) => new Error(`trim resolved to ${firstIndex} on a full disk`),
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(StorageFullError);
      expect(refused).toMatchObject({ code: 'ERR_SYNOD_STORAGE_FULL', systemCode: 'ENOSPC', retryable: true });
      expect((refused as Error).message).toMatch(/a trim writes the entries it keeps to a new file/);
      expect(log.bounds().firstIndex).toBe(0);
      rmSync(filler);
      expect(await log.trim(50)).toBe(50);
      const kept: string[] = [];
      for await (const { data } of log.read({ from: 50 })) kept.push(new TextDecoder().decode(data));
      expect(kept).toEqual(Array.from({ length: 10 }, (_, i) => new TextDecoder().decode(entry(50 + i))));
    } finally {
      await log.close();
    }
  });

  it('a sequencer: next() fails with StorageFullError once its numbers on hand run out, and numbers on once there is room', async () => {
    const dir = join(mountPoint, 'sequencer');
    mkdirSync(dir);
    const filler = join(mountPoint, 'filler-sequencer');
    const issued: number[] = [];
    let sequencer = await Sequencer.open({ storage: { dir }, appendTimeoutMs: 20_000 });
    try {
      for (let i = 0; i < 100; i++) issued.push(await sequencer.next());
      fillDisk(filler);
      // The window may still hold numbers reserved before the disk filled: they are handed out;
      // a refill that cannot be made durable fails the waiting call. Bulk calls, so that refills
      // come often (a reservation's record is tens of bytes, and the files' last pages have room).
      let failure: unknown;
      const started = performance.now();
      while (failure === undefined && performance.now() - started < 15_000) {
        try {
          issued.push(await sequencer.next(65_536));
        } catch (error) {
          failure = error;
        }
      }
      expect(failure).toBeInstanceOf(StorageFullError);
      expect(failure).toMatchObject({ code: 'ERR_SYNOD_STORAGE_FULL', systemCode: 'ENOSPC' });
      rmSync(filler);
      for (let i = 0; i < 100; i++) issued.push(await sequencer.next());
      for (let i = 1; i < issued.length; i++) expect(issued[i]).toBeGreaterThan(issued[i - 1]!);
    } finally {
      await sequencer.close();
    }
    sequencer = await Sequencer.open({ storage: { dir } });
    try {
      expect(await sequencer.next()).toBeGreaterThan(issued.at(-1)!);
    } finally {
      await sequencer.close();
    }
  });
});
