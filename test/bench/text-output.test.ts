import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../bench-suites/helpers.js';

// A tiny text run of the fastest suite: an estimate and progress on stderr before and while it
// runs, a summary on stdout that fits 100 columns in units people read, and goals that read as
// comparisons, not failures. Shape, never speed.

describe('synod bench text output', () => {
  it('mailbox: estimate, progress with time left, a table within 100 columns in ms and /s, goals as verdicts', async () => {
    const run = await runCli(['mailbox', '--duration', '0.2', '--warmup', '0.05', '--runs', '1']);
    expect(run.code, run.stderr).toBe(0);

    // The estimate comes first, then one progress line per measurement.
    const stderr = run.stderr.split('\n');
    expect(stderr[0]).toMatch(/^synod bench mailbox: 7 measurements, about (\d+ s|under 1 s|\d+ min( \d+ s)?) \(estimate\)$/);
    expect(stderr[1]).toMatch(/3 one-way and 4 round-trip transports, each 1 run of 0.05 s warm-up \+ 0.2 s measured/);
    const progress = stderr.filter((line) => line.startsWith('[mailbox] '));
    expect(progress).toHaveLength(7);
    expect(progress[0]).toMatch(/^\[mailbox\] 1\/7 run 1\/1: one way, synod mailbox \((about .+|under 1 s) left\)$/);
    expect(progress[6]).toMatch(/^\[mailbox\] 7\/7 /);

    const lines = run.stdout.trimEnd().split('\n');
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(100);
    expect(run.stdout).toMatch(/transport +messages\/s +GCs per 1M +wake-ups per 1M/);
    expect(run.stdout).toMatch(/synod mailbox +\d+(\.\d+)? (k|M)?\/s/);
    expect(run.stdout).toMatch(/transport +p50 +p99 +round trips\/s/);
    expect(run.stdout).toMatch(/Atomics wait\/notify +\d+\.\d+ ms +\d+\.\d+ ms +\d+(\.\d+)? (k|M)?\/s/);
    // No raw microseconds in the default table.
    expect(run.stdout).not.toMatch(/\bus\b/);

    // Goals: a verdict per goal, never PASS/MISS, and the exit code above was 0 whatever they say.
    expect(run.stdout).toMatch(/goals: .*a goal not met is not an error/);
    const goals = lines.filter((line) => /^ {2}(meets goal|short of goal|not measured) {2}/.test(line));
    expect(goals).toHaveLength(3);
    expect(run.stdout).not.toMatch(/\b(PASS|MISS)\b/);
  }, 30_000);

  it('--json keeps every figure and the target statuses the report reads', async () => {
    const run = await runCli(['mailbox', '--json', '--duration', '0.2', '--warmup', '0.05', '--runs', '1']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Record<string, any>;
    // Columns gone from the text are still here.
    expect(typeof report.roundTrip.synod.maxMicroseconds).toBe('number');
    expect(report.oneWay.synod.runsMessagesPerSecond).toHaveLength(1);
    expect(typeof report.targets.oneWayVsPostMessage.pass).toBe('boolean');
    // The estimate goes to stderr, so stdout stays one JSON document.
    expect(run.stderr).toMatch(/^synod bench mailbox: 7 measurements/);
  }, 30_000);

  // /dev/full passes the up-front check (an existing, writable file) and fails on write: the one
  // way to see a report that cannot be written after the run, without root tricks.
  it.skipIf(!existsSync('/dev/full'))('a report that fails to write at the end costs one line and exit code 1, the figures are printed anyway', async () => {
    const run = await runCli(['mailbox', '--json', '--duration', '0.2', '--warmup', '0.05', '--runs', '1', '--report', '/dev/full']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).suite).toBe('mailbox');
    expect(run.stderr).toMatch(/\nsynod bench: could not write the report to \/dev\/full \(ENOSPC[^\n]*\); the figures are on stdout above\n$/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  }, 30_000);
});
