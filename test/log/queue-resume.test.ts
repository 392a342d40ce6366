// examples/queue-consumer.mjs, run as written in child processes: a consumer that saves its
// position atomically with its work resumes after a clean stop, a SIGTERM and a SIGKILL at
// position + 1, and in the end has done every job exactly once; one whose next entries were
// trimmed says which and exits 3 instead of skipping them.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const JOBS = 200;
/**
 * Jobs for the runs that are stopped by a signal: more than any run can do, so that the run is
 * still working when the signal comes however slowly the test reads its output (with JOBS, a
 * run could finish first).
 */
const ENDLESS = 1_000_000;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Indexes of the "processed <index>" lines, in order. */
  processed: number[];
  /** The last line on stdout ("done <position>", "stopped <position>"), if any. */
  last: string | undefined;
  stderr: string;
}

/** Runs the example with these arguments only: its exit code and stderr. */
function runWith(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['examples/queue-consumer.mjs', ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

/** Runs the example on `dir` for `jobs` jobs; `onProcessed` may signal it as progress lines come. */
function runConsumer(dir: string, jobs: number, extra: string[] = [], onProcessed?: (index: number, kill: (signal: NodeJS.Signals) => void) => void): Promise<Run> {
  const child = spawn(process.execPath, ['examples/queue-consumer.mjs', dir, String(jobs), ...extra], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const processed: number[] = [];
  let last: string | undefined;
  let stderr = '';
  let pending = '';
  let signalled = false;
  const kill = (signal: NodeJS.Signals): void => {
    if (signalled) return;
    signalled = true;
    child.kill(signal);
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      last = line;
      const match = /^processed (\d+)$/.exec(line);
      if (match === null) continue;
      processed.push(Number(match[1]));
      onProcessed?.(Number(match[1]), kill);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, processed, last, stderr }));
  });
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('examples/queue-consumer.mjs: resuming a follow after a restart', () => {
  it('after a clean stop, a SIGTERM and a SIGKILL, every job is done once, in order', async () => {
    dir = mkdtempSync(join(tmpdir(), 'synod-queue-'));
    const statePath = join(dir, 'consumer.json');
    const position = (): number => (JSON.parse(readFileSync(statePath, 'utf8')) as { position: number }).position;

    const first = await runConsumer(dir, ENDLESS, ['--stop-after', '30']);
    expect(first).toMatchObject({ code: 0, last: 'stopped 29' });
    expect(first.processed).toEqual(range(0, 30));

    // SIGTERM: the consumer aborts its follow and closes the log; it says where it stopped.
    const second = await runConsumer(dir, ENDLESS, [], (index, kill) => index >= 60 && kill('SIGTERM'));
    expect(second.code, second.stderr).toBe(0);
    expect(second.processed[0]).toBe(30);
    const stoppedAt = position();
    expect(second.last).toBe(`stopped ${stoppedAt}`);
    expect(second.processed).toEqual(range(30, stoppedAt + 1));

    // SIGKILL: no chance to clean up; the state file holds the last job whose effects were saved.
    const third = await runConsumer(dir, ENDLESS, [], (index, kill) => index >= stoppedAt + 40 && kill('SIGKILL'));
    expect(third.signal).toBe('SIGKILL');
    expect(third.processed[0]).toBe(stoppedAt + 1);
    const killedAt = position();
    // It may have saved one more job than it printed before it died, never fewer.
    expect(killedAt).toBeGreaterThanOrEqual(third.processed.at(-1)!);

    // To the end: the jobs up to JOBS - 1, or a few past where the SIGKILL left it if it got further.
    const jobs = Math.max(JOBS, killedAt + 20);
    const fourth = await runConsumer(dir, jobs);
    expect(fourth).toMatchObject({ code: 0, last: `done ${jobs - 1}` });
    expect(fourth.processed).toEqual(range(killedAt + 1, jobs));

    // The effects: each index exactly once, in order. The jobs' texts are the producer's labels:
    // each run numbers its jobs from the log's nextIndex when it starts. An append in flight when a
    // run stopped may still commit (it was refused with LogClosedError, which says it may have),
    // after the next run read nextIndex: then one job is in the log twice, at two indexes (a text
    // repeated), and that run's labels lag its indexes by one; the run after it numbers from
    // nextIndex again, a jump that lands exactly on its index. So: a label never runs ahead of its
    // index (an entry lost or moved would make one), and it goes up by 0 or 1 but where a run
    // started over, at its own index.
    const { done } = JSON.parse(readFileSync(statePath, 'utf8')) as { done: Array<[number, string]> };
    expect(done.map(([index]) => index)).toEqual(range(0, jobs));
    const numbers = done.map(([, text]) => Number(/^job (\d+)$/.exec(text)![1]));
    expect(numbers[0]).toBe(0);
    const out = numbers.flatMap((label, index) => {
      const step = index === 0 ? 1 : label - numbers[index - 1]!;
      const fine = label <= index && (step === 0 || step === 1 || label === index);
      return fine ? [] : [`index ${index}: job ${label} after job ${numbers[index - 1]}`];
    });
    expect(out).toEqual([]);
    // Only the three runs after the first start over: at most three such jumps.
    expect(numbers.filter((label, index) => index > 0 && label - numbers[index - 1]! > 1).length).toBeLessThanOrEqual(3);

    // Run again: nothing left to do, nothing done twice.
    expect(await runConsumer(dir, jobs)).toMatchObject({ code: 0, last: `done ${jobs - 1}`, processed: [] });
  });

  it('a consumer whose next entries were trimmed names them and exits 3, doing nothing', async () => {
    dir = mkdtempSync(join(tmpdir(), 'synod-queue-'));
    expect(await runConsumer(dir, JOBS)).toMatchObject({ code: 0, last: `done ${JOBS - 1}` });
    // As if its state had been restored from an old backup: position 10, while the log was
    // trimmed past it (the example trims every 25 jobs, the last time to 200).
    const statePath = join(dir, 'consumer.json');
    writeFileSync(statePath, JSON.stringify({ position: 10, done: [] }));
    const stale = await runConsumer(dir, JOBS);
    expect(stale.code).toBe(3);
    expect(stale.processed).toEqual([]);
    expect(stale.stderr).toContain(`entries 11 to ${JOBS - 1} were trimmed before this consumer processed them; the log now starts at ${JOBS}`);
    expect(JSON.parse(readFileSync(statePath, 'utf8'))).toEqual({ position: 10, done: [] });
  });

  it('bad arguments are a usage message and exit 2, before anything is created', async () => {
    dir = mkdtempSync(join(tmpdir(), 'synod-queue-'));
    const target = join(dir, 'never');
    for (const args of [[], [target], [target, '0'], [target, '1.5'], [target, '5', '--stop-after'], [target, '5', '--stop-after', '0'], [target, '5', '--bogus', '3']]) {
      const { code, stderr } = await runWith(args);
      expect({ args, code }).toEqual({ args, code: 2 });
      expect(stderr).toContain('usage: node examples/queue-consumer.mjs <dir> <jobs> [--stop-after <count>]');
    }
    expect(existsSync(target)).toBe(false);
  });
});
