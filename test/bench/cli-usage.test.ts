import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../bench-suites/helpers.js';

// Command-line mistakes through the built CLI: each is refused with exit code 2 and a message that
// names the option, the value and what would do, before any measurement (no estimate printed),
// with no node:util parser wording and no stack trace.

const work = mkdtempSync(join(tmpdir(), 'synod-cli-usage-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Nothing ran: the estimate is the first thing a run prints, so its absence shows the refusal came first. */
function expectRefusedBeforeRunning(run: { code: number; stdout: string; stderr: string }, message: RegExp): void {
  expect(run.code, run.stderr).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(/measurements?, about/);
  expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(run.stderr).not.toMatch(/ERR_PARSE_ARGS|TypeError|positional argument/);
}

describe('synod bench command-line mistakes', () => {
  it('suggests the option a typo was meant to be', async () => {
    expectRefusedBeforeRunning(await runCli(['log', '--durration', '1']), /unknown option '--durration' \(did you mean '--duration'\?\)/);
    expectRefusedBeforeRunning(await runCli(['log', '--entry-byte', '16']), /unknown option '--entry-byte' \(did you mean '--entry-bytes'\?\)/);
    // Nothing close: no made-up suggestion.
    const far = await runCli(['log', '--zzzzzz']);
    expectRefusedBeforeRunning(far, /unknown option '--zzzzzz'/);
    expect(far.stderr).not.toMatch(/did you mean/);
  });

  it('suggests the suite a typo was meant to be', async () => {
    expectRefusedBeforeRunning(await runCli(['lgo']), /unknown suite 'lgo' \(did you mean 'log'\?\)/);
  });

  it('says which flag lacks a value and which value is wrong, and what is expected', async () => {
    expectRefusedBeforeRunning(await runCli(['log', '--duration']), /--duration needs a value: <s>/);
    expectRefusedBeforeRunning(await runCli(['log', '--report', '--json']), /--report needs a value: <file>/);
    expectRefusedBeforeRunning(await runCli(['log', '--duration', 'abc']), /--duration takes a number of seconds > 0, got 'abc'/);
    expectRefusedBeforeRunning(await runCli(['log', '--runs', '0']), /--runs takes a whole number >= 1, got '0'/);
    expectRefusedBeforeRunning(await runCli(['log', '--concurrency', '1,x']), /--concurrency takes a comma-separated list .* got '1,x'/);
    expectRefusedBeforeRunning(await runCli(['log', '--json=yes']), /--json takes no value/);
  });

  it('refuses an option the suite would ignore, naming the suite and what it takes', async () => {
    const run = await runCli(['sequencer', '--entry-bytes', '16']);
    expectRefusedBeforeRunning(run, /--entry-bytes does not apply to suite 'sequencer'/);
    expect(run.stderr).toMatch(/sequencer takes --duration, --warmup, --runs, --concurrency/);
    expectRefusedBeforeRunning(await runCli(['micro', '--runs', '2']), /--runs does not apply to suite 'micro'/);
    expectRefusedBeforeRunning(await runCli(['memory', '--duration', '1']), /--duration does not apply to suite 'memory'; memory takes --storage/);
    expectRefusedBeforeRunning(await runCli(['mailbox', '--kills', '2']), /--kills does not apply to suite 'mailbox'/);
    // A list where the suite uses one value would silently measure only the last.
    expectRefusedBeforeRunning(await runCli(['sequencer', '--concurrency', '1,16']), /'sequencer' takes one --concurrency value/);
  });

  it('refuses a --report path that cannot be written before running', async () => {
    expectRefusedBeforeRunning(await runCli(['mailbox', '--report', join(work, 'no-such-dir', 'r.html')]), /--report .*: directory .*no-such-dir does not exist/);
    expectRefusedBeforeRunning(await runCli(['mailbox', '--report', work]), /--report .*: is a directory/);
  });

  it('--help lists every suite with the options it takes, within 100 columns', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    for (const suite of ['mailbox', 'log', 'sequencer', 'failover', 'compare', 'memory', 'micro', 'all']) expect(run.stdout).toMatch(new RegExp(`\\n  ${suite} +\\S`));
    // A list too long for one line goes on under itself.
    expect(run.stdout).toMatch(/\n {2}log +--duration --warmup --runs --concurrency --entry-bytes --acceptors --storage\n {13}--load-threads\n/);
    expect(run.stdout).toMatch(/\n {2}--load-threads <n> +load threads, at most \(default: 4, or the cores if fewer\)\n/);
    expect(run.stdout).toMatch(/\n {2}memory +--storage\n/);
    for (const line of run.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
  });
});
