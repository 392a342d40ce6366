import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** Runs the built CLI as a user would, with stdout and stderr kept apart. */
export const cli = fileURLToPath(new URL('../../dist/bench/cli.js', import.meta.url));

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The longest a suite's test waits for its run. A run killed at CLI_TIMEOUT_MS (well inside it)
 * still reports what it printed to stderr (its progress: the step it was on), where a test that
 * times out first reports nothing of the run.
 */
export const SUITE_TEST_TIMEOUT_MS = 150_000;
export const CLI_TIMEOUT_MS = 120_000;

export function runCli(args: readonly string[], timeoutMs = CLI_TIMEOUT_MS): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: timeoutMs, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      const killed = error !== null && error.killed === true ? `\n(killed after ${timeoutMs} ms by ${String(error.signal)})` : '';
      resolve({ code, stdout, stderr: stderr + killed });
    });
  });
}

/** A tiny configuration: shape, not speed, is what the tests check. */
export const TINY = ['--json', '--duration', '0.2', '--warmup', '0.05', '--runs', '1'];

export async function runJson(args: readonly string[]): Promise<Record<string, any>> {
  const run = await runCli([...args, ...TINY]);
  if (run.code !== 0) throw new Error(`synod bench ${args.join(' ')} exited ${run.code}:\n${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, any>;
}

export function positiveFinite(value: unknown, what = 'value'): void {
  expect(typeof value, what).toBe('number');
  expect(Number.isFinite(value), `${what} finite`).toBe(true);
  expect(value as number, what).toBeGreaterThan(0);
}

export function nonNegativeFinite(value: unknown, what = 'value'): void {
  expect(typeof value, what).toBe('number');
  expect(Number.isFinite(value), `${what} finite`).toBe(true);
  expect(value as number, what).toBeGreaterThanOrEqual(0);
}

export function expectMachine(machine: Record<string, any>): void {
  positiveFinite(machine.cores, 'cores');
  expect(machine.nodeVersion).toBe(process.version);
  expect(typeof machine.cpuModel).toBe('string');
}

/** A closed-loop figure set (bench/log/closed-loop.ts) with `runs` runs. */
export function expectClosedLoop(figures: Record<string, any>, runs: number): void {
  positiveFinite(figures.perSecond, 'perSecond');
  expect(figures.runsPerSecond).toHaveLength(runs);
  const l = figures.latency;
  for (const key of ['p50Microseconds', 'p90Microseconds', 'p99Microseconds', 'p999Microseconds', 'maxMicroseconds']) positiveFinite(l[key], key);
  expect(l.p50Microseconds).toBeLessThanOrEqual(l.p90Microseconds);
  expect(l.p90Microseconds).toBeLessThanOrEqual(l.p99Microseconds);
  expect(l.p99Microseconds).toBeLessThanOrEqual(l.p999Microseconds);
  expect(l.p999Microseconds).toBeLessThanOrEqual(l.maxMicroseconds);
  positiveFinite(figures.samples, 'samples');
  expect(figures.distribution.length).toBeGreaterThan(5);
  for (const point of figures.distribution) positiveFinite(point.microseconds, `distribution at ${point.percentile}`);
  nonNegativeFinite(figures.failed, 'failed');
  nonNegativeFinite(figures.mainThreadMinorGcsPerMillion, 'main GCs');
  nonNegativeFinite(figures.loadThreadsMinorGcsPerMillion, 'load GCs');
  expect(figures.outOfOrder).toBe(0);
}

/** A goal check (bench/lib/targets-check.ts). */
export function expectGoal(check: Record<string, any>): void {
  expect(['PASS', 'MISS', 'UNMEASURED']).toContain(check.status);
  positiveFinite(check.bound, 'bound');
  expect(typeof check.description).toBe('string');
  if (check.status === 'UNMEASURED') {
    expect(check.measured).toBeNull();
    expect(typeof check.note).toBe('string');
  } else {
    positiveFinite(check.measured, `measured of ${check.description}`);
    positiveFinite(check.ratio, `ratio of ${check.description}`);
  }
}
