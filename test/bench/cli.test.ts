import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Runs the built CLI as a user would. Checks the shape of the report only: never speed, which
// depends on the machine and on whoever else is using it.
const cli = fileURLToPath(new URL('../../dist/bench/cli.js', import.meta.url));

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runCli(args: readonly string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

const positiveFinite = (value: unknown): void => {
  expect(typeof value).toBe('number');
  expect(Number.isFinite(value)).toBe(true);
  expect(value as number).toBeGreaterThan(0);
};

// A short run may see no minor GC at all on an allocation-free path (the bare ring): zero is a valid count.
const nonNegativeFinite = (value: unknown): void => {
  expect(typeof value).toBe('number');
  expect(Number.isFinite(value)).toBe(true);
  expect(value as number).toBeGreaterThanOrEqual(0);
};

describe('synod bench CLI', () => {
  it('prints every mailbox figure as one JSON object with --json', async () => {
    const run = await runCli(['mailbox', '--json', '--duration', '0.2', '--warmup', '0.05', '--runs', '1']);
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Record<string, any>;
    expect(Object.keys(report).sort()).toEqual(['machine', 'oneWay', 'roundTrip', 'settings', 'suite', 'targets']);
    expect(report.suite).toBe('mailbox');

    positiveFinite(report.machine.cores);
    expect(report.machine.nodeVersion).toBe(process.version);
    expect(typeof report.machine.cpuModel).toBe('string');
    expect(typeof report.machine.msgpackrNativeAddon).toBe('boolean');
    expect(report.machine.waitStrategy).toMatch(/\S/);

    expect(report.settings).toMatchObject({ durationMs: 200, warmupMs: 50, runs: 1, messageBytes: 32 });

    expect(Object.keys(report.oneWay).sort()).toEqual(['bareRing', 'postMessage', 'synod']);
    for (const figures of Object.values<Record<string, unknown>>(report.oneWay)) {
      positiveFinite(figures.messagesPerSecond);
      nonNegativeFinite(figures.minorGcsPerMillionMessages);
      expect(figures.runsMessagesPerSecond).toHaveLength(1);
    }
    nonNegativeFinite(report.oneWay.synod.doorbellWakeupsPerMillionMessages);
    nonNegativeFinite(report.oneWay.bareRing.doorbellWakeupsPerMillionMessages);

    expect(Object.keys(report.roundTrip).sort()).toEqual(['atomics', 'bareRing', 'postMessage', 'synod']);
    for (const figures of Object.values<Record<string, number>>(report.roundTrip)) {
      for (const key of ['p50Microseconds', 'p99Microseconds', 'maxMicroseconds', 'roundTripsPerSecond']) positiveFinite(figures[key]);
      // Percentiles of one histogram are ordered whatever the timings were.
      expect(figures.p50Microseconds!).toBeLessThanOrEqual(figures.p99Microseconds!);
      expect(figures.p99Microseconds!).toBeLessThanOrEqual(figures.maxMicroseconds!);
    }

    expect(Object.keys(report.targets).sort()).toEqual(['oneWayVsBareRing', 'oneWayVsPostMessage', 'roundTripVsAtomics']);
    for (const check of Object.values<Record<string, unknown>>(report.targets)) {
      positiveFinite(check.ratio);
      positiveFinite(check.bound);
      expect(typeof check.pass).toBe('boolean');
    }
    positiveFinite(report.targets.roundTripVsAtomics.p99Ratio);
  }, 30_000);

  it('rejects an unknown suite with exit code 2 and says so', async () => {
    const run = await runCli(['no-such-suite']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/unknown suite 'no-such-suite'/);
    expect(run.stderr).toMatch(/mailbox/);
  });

  it('rejects a bad option with exit code 2', async () => {
    const unknown = await runCli(['bench', 'mailbox', '--no-such-option']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--no-such-option/);
    const badValue = await runCli(['mailbox', '--duration', 'soon']);
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toMatch(/--duration/);
  });

  it('accepts the leading `bench` word of `npx synod bench`', async () => {
    const run = await runCli(['bench', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/usage: synod bench/);
  });
});
