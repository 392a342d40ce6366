import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReplicatedLog, Sequencer, StorageDirInUseError } from 'synod';
import { tagEntry } from '../fixtures/log/entry.js';
import { fixture, readAll } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'synod-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the durable writer in a child process, and SIGKILLs it once it has printed `lines` resolved appends. */
function writeThenKill(mode: 'log' | 'sequencer', fsync: string, lines: number): Promise<string[]> {
  const child = spawn(process.execPath, [fileURLToPath(fixture('durable-writer')), dir, mode, fsync], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.split('\n').length > lines && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer ended without being killed: ${err}`));
      // Only complete lines were acknowledged before the kill; a cut-off last line is not a claim.
      else resolve(out.split('\n').slice(0, -1));
    });
  });
}

describe('durable storage', () => {
  for (const fsync of ['batch', 'always'] as const) {
    it(`after SIGKILL (fsync: ${fsync}), reopening gives back every resolved append at its index`, async () => {
      const acknowledged = await writeThenKill('log', fsync, 300);
      expect(acknowledged.length).toBeGreaterThanOrEqual(300);
      const log = await ReplicatedLog.open({ storage: { dir, fsync } });
      try {
        const tags = await readAll(log);
        for (const line of acknowledged) {
          const [index, writer, seq] = line.split(' ').map(Number) as [number, number, number];
          expect(tags[index], `acknowledged index ${index}`).toEqual({ writer, seq });
        }
        // And it keeps going after what it had (appends the killed process left in flight may
        // still commit after the restart, so later than the read, never over it).
        expect(await log.append(tagEntry(8, 0))).toBeGreaterThanOrEqual(tags.length);
      } finally {
        await log.close();
      }
    });
  }

  it('a sequencer never issues a number twice across a SIGKILL and restart', async () => {
    const issued = (await writeThenKill('sequencer', 'batch', 300)).map(Number);
    expect(new Set(issued).size).toBe(issued.length);
    const sequencer = await Sequencer.open({ storage: { dir } });
    try {
      const next = await sequencer.next();
      expect(next).toBeGreaterThan(Math.max(...issued));
    } finally {
      await sequencer.close();
    }
  });

  it('cuts off a torn tail (a write the crash cut short) and keeps everything before it', async () => {
    const first = await ReplicatedLog.open({ storage: { dir } });
    for (let i = 0; i < 50; i++) await first.append(tagEntry(3, i));
    await first.close();
    // The start of a record whose write never finished: a header promising 1000 bytes, and 3 of them.
    for (const name of readdirSync(dir).filter((file) => file.endsWith('.log'))) {
      appendFileSync(join(dir, name), Buffer.from([0xe8, 0x03, 0, 0, 0x12, 0x34, 0x56, 0x78, 1, 2, 3]));
    }
    const reopened = await ReplicatedLog.open({ storage: { dir } });
    try {
      expect(await readAll(reopened)).toEqual(Array.from({ length: 50 }, (_, i) => ({ writer: 3, seq: i })));
    } finally {
      await reopened.close();
    }
  });

  it("a learner's file cut short (a machine crash after it acknowledged, before its fdatasync) is whole again when open() returns", async () => {
    // Heartbeats far apart: the leader tells acceptors in its heartbeats which slots every learner
    // reported, and they drop those; here they drop none. A learner acknowledges once its log is
    // written and fdatasyncs it only before it reports progress, so what a crash of the machine
    // can take from it is entries above its last report, which the acceptors still hold: cutting
    // half its file stands for that (with the acceptors' drops, cutting below the last report
    // would be a lost disk, which no learner can recover from).
    const first = await ReplicatedLog.open({ storage: { dir }, heartbeatIntervalMs: 10_000, electionTimeoutMs: 30_000 });
    for (let i = 0; i < 40; i++) await first.append(tagEntry(5, i));
    await first.close();
    const learnerPath = join(dir, readdirSync(dir).find((name) => name.startsWith('learner-'))!);
    const bytes = statSync(learnerPath).size;
    truncateSync(learnerPath, Math.floor(bytes / 2));
    const reopened = await ReplicatedLog.open({ storage: { dir } });
    try {
      // Read at once: open() waited until the learner had learned the lost entries again.
      expect(reopened.bounds().nextIndex).toBe(40);
      expect(await readAll(reopened)).toEqual(Array.from({ length: 40 }, (_, i) => ({ writer: 5, seq: i })));
      expect(await reopened.append(tagEntry(5, 40))).toBe(40);
    } finally {
      await reopened.close();
    }
  });

  it('refuses a file corrupted in the middle, naming the file and the offset', async () => {
    const first = await ReplicatedLog.open({ storage: { dir } });
    for (let i = 0; i < 50; i++) await first.append(tagEntry(4, i));
    await first.close();
    const learnerPath = join(dir, readdirSync(dir).find((name) => name.startsWith('learner-'))!);
    const content = readFileSync(learnerPath);
    content[20] = content[20]! ^ 0xff;
    writeFileSync(learnerPath, content);
    await expect(ReplicatedLog.open({ storage: { dir } })).rejects.toThrow(
      new RegExp(`corrupt record in ${learnerPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} at byte offset \\d+`),
    );
  });

  it('refuses a second open of a directory in use', async () => {
    const log = await ReplicatedLog.open({ storage: { dir } });
    try {
      await expect(ReplicatedLog.open({ storage: { dir } })).rejects.toBeInstanceOf(StorageDirInUseError);
      expect(await log.append(new Uint8Array([1]))).toBe(0);
    } finally {
      await log.close();
    }
  });
});
