import { describe, expect, it } from 'vitest';
import { describeReach } from '../../dist/bench/lib/applicable.js';
import { formatDuration, renderEstimate } from '../../dist/bench/lib/estimate.js';
import { formatEntryBytes, formatLatencyMs, formatMebibytes, formatMegabytesPerSecond, formatRate, wrapText } from '../../dist/bench/lib/format.js';
import { createProgress, prefixedSink, secondsLeft, stepsOf } from '../../dist/bench/lib/progress.js';
import { closestMatch, editDistance } from '../../dist/bench/lib/suggest.js';
import { goal, goalLine, renderGoals } from '../../dist/bench/lib/targets-check.js';
import { ALL_SUITES, suites } from '../../dist/bench/suites.js';

// The pieces of the bench CLI's text, one by one: suggestions, units, wrapping, time left, goals.

describe('bench CLI pieces', () => {
  it('suggests a known word within a typo distance, and nothing for a different word', () => {
    expect(editDistance('durration', 'duration')).toBe(1);
    expect(editDistance('wramup', 'warmup')).toBe(1); // a swap of neighbours is one edit
    expect(closestMatch('durration', ['duration', 'warmup', 'runs'])).toBe('duration');
    expect(closestMatch('concurency', ['concurrency', 'entry-bytes'])).toBe('concurrency');
    expect(closestMatch('verbose', ['duration', 'warmup', 'runs', 'json'])).toBeUndefined();
  });

  it('prints figures in units people read', () => {
    expect(formatLatencyMs(212.4)).toBe('0.21 ms');
    expect(formatLatencyMs(12.8)).toBe('0.013 ms');
    expect(formatLatencyMs(1524)).toBe('1.52 ms');
    expect(formatLatencyMs(133_497)).toBe('133 ms');
    expect(formatRate(447)).toBe('447 /s');
    expect(formatRate(4_123)).toBe('4.1 k/s');
    expect(formatRate(1_234_567)).toBe('1.23 M/s');
    expect(formatRate(716_960_000)).toBe('717 M/s');
    expect(formatMegabytesPerSecond(36_700_000)).toBe('36.7 MB/s');
    expect(formatMegabytesPerSecond(2_832)).toBe('2.8 kB/s');
    expect(formatMebibytes(191_889_408)).toBe('183 MiB');
    expect(formatEntryBytes(65_536)).toBe('64 KiB');
    expect(formatEntryBytes(16)).toBe('16 B');
    expect(formatDuration(25)).toBe('25 s');
    expect(formatDuration(190)).toBe('3 min 10 s');
    expect(formatDuration(0.2)).toBe('under 1 s');
  });

  it('wraps prose to the width, indenting later lines', () => {
    const text = wrapText('word '.repeat(60), 40, '    ');
    const lines = text.split('\n');
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(40);
    expect(lines[1]).toMatch(/^ {4}word/);
  });

  it('estimates the time left from the estimate at first, then more and more from the pace seen', () => {
    expect(secondsLeft(5, 0, 10, 100)).toBe(95);
    // Half done in 10 s of an estimated 100: between the estimate's 90 s and the pace's 10 s.
    const halfway = secondsLeft(10, 5, 10, 100);
    expect(halfway).toBeGreaterThan(10);
    expect(halfway).toBeLessThan(90);
    expect(secondsLeft(50, 10, 10, 100)).toBe(0);
  });

  it('prints one progress line per step with its number and the time left; a suite inside all keeps its name', async () => {
    const lines: string[] = [];
    const progress = await createProgress({ bar: false, write: (line) => lines.push(line), name: 'all', plannedSteps: 3, estimatedSeconds: 30 });
    const steps = stepsOf(prefixedSink(progress.sink, 'log'));
    steps.plan(2, 'log');
    steps.step('memory, 3 acceptors, 16 B, 1 in flight');
    steps.step('memory, 3 acceptors, 16 B, 16 in flight');
    progress.stop();
    expect(lines[0]).toMatch(/^1\/3 log: memory, 3 acceptors, 16 B, 1 in flight \(about (29|30) s left\)$/);
    expect(lines[1]).toMatch(/^2\/3 log: memory, 3 acceptors, 16 B, 16 in flight \(about .+ left\)$/);
  });

  it('renders the estimate with how it was reached, per suite for all', () => {
    const part = { measurements: 7, steps: 7, seconds: 20, basis: '7 transports' };
    expect(renderEstimate('mailbox', part)).toEqual(['synod bench mailbox: 7 measurements, about 20 s (estimate)', '  7 transports']);
    const all = renderEstimate('all', { measurements: 8, steps: 8, seconds: 80, basis: '2 suites', parts: [{ suite: 'mailbox', estimate: part }, { suite: 'memory', estimate: { ...part, measurements: 1, seconds: 60 } }] });
    expect(all[0]).toBe('synod bench all: 8 measurements, about 1 min 20 s (estimate)');
    expect(all[2]).toMatch(/^ {2}memory {3}1 measurement, about 1 min: /);
  });

  it('reads goals as comparisons: a verdict, the figure and the goal, never PASS or MISS', () => {
    const short = goalLine(goal('appends/s, 256 appenders', 225_100, 'at least', 1_000_000), (v) => (v >= 1000 ? `${(v / 1000).toFixed(1)} k` : String(v)));
    expect(short).toEqual({ verdict: 'short of goal', description: 'appends/s, 256 appenders', comparison: '225.1 k (goal: at least 1000.0 k)' });
    const unmeasured = goalLine(goal('payload MB/s', undefined, 'at least', 500, "this run's grid lacks 64 KiB"), String);
    expect(unmeasured.verdict).toBe('not measured');
    expect(unmeasured.comparison).toBe("this run's grid lacks 64 KiB (goal: at least 500)");
    const text = renderGoals([short, unmeasured, goalLine(goal('pause (ms)', 12, 'below', 20), String)]);
    expect(text).toMatch(/^goals: .*not an error/);
    expect(text).toMatch(/\n {2}meets goal {5}pause \(ms\): 12 \(goal: below 20\)/);
    expect(text).not.toMatch(/PASS|MISS/);
  });

  it('says, for all, which suites each option given reaches', () => {
    const entries = ALL_SUITES.map((name) => [name, suites.get(name)!] as const);
    const lines = describeReach(new Set(['entry-bytes', 'kills', 'concurrency', 'json'] as const), entries);
    expect(lines).toEqual([
      '  --entry-bytes applies to log',
      '  --kills applies to failover',
      '  --concurrency applies to log, sequencer, failover, compare (sequencer and failover: the last value)',
    ]);
    // all takes what any of its suites takes, and nothing else.
    expect(new Set(suites.get('all')!.accepts)).toEqual(new Set(ALL_SUITES.flatMap((name) => suites.get(name)!.accepts)));
  });
});
