import { describe, expect, it } from 'vitest';
import { expectMachine, nonNegativeFinite, positiveFinite, runCli } from './helpers.js';

// The micro suite (tinybench) through the built CLI with a very short time per benchmark: every
// benchmark is there with finite positive figures. Shape, never speed.

const NAMES = [
  'encodeValue 256x16B',
  'encodeValue 1x1KiB',
  'writeCommand loop 256x16B',
  'decodeValue 256x16B',
  'decodeValue 1x1KiB',
  'countCommands 256x16B',
  'countCommands 1x1KiB',
  'read clientId/seq 256x16B',
  'split into 1KiB slots',
  'concat 2 runs',
  'ring Accept write+drain',
  'ring small write+drain',
  'ring Accept fan-out x4, encode each',
  'ring Accept fan-out x4, encode once',
  'ring Accept fan-out x4, by reference',
  'msgpackr pack Accept',
  'msgpackr unpack Accept',
  'ack ranges: gather+drain 256 acks',
  'ack ranges: read 256 acks',
  'acceptor record 64KiB, packed',
  'acceptor record 64KiB, in place',
  'copy 64KiB out of shared memory, slice',
  'copy 64KiB out of shared memory, co-aligned',
  'copy 64KiB into shared memory, misaligned',
  'copy 64KiB into shared memory, co-aligned',
  'learner: a slot of 256x16B',
];

describe('synod bench micro', () => {
  it('--json: every benchmark with ns/op, ops/s and bytes allocated per op', async () => {
    const run = await runCli(['micro', '--json', '--duration', '0.05', '--warmup', '0.01']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Record<string, any>;
    expect(report.suite).toBe('micro');
    expectMachine(report.machine);
    expect(report.machine.tinybench).toMatch(/^\d+\.\d+\.\d+/);
    expect(report.settings).toMatchObject({ durationMs: 50, warmupMs: 10, smallValueBytes: 256 * 40 });
    positiveFinite(report.settings.taskTimeMs, 'taskTimeMs');

    expect(report.benchmarks.map((b: any) => b.name)).toEqual(NAMES);
    for (const b of report.benchmarks) {
      positiveFinite(b.nsPerOp.mean, `${b.name} ns/op mean`);
      positiveFinite(b.nsPerOp.p50, `${b.name} ns/op p50`);
      positiveFinite(b.nsPerOp.p99, `${b.name} ns/op p99`);
      expect(b.nsPerOp.p50, b.name).toBeLessThanOrEqual(b.nsPerOp.p99);
      positiveFinite(b.opsPerSecond, `${b.name} ops/s`);
      expect(b.batch, b.name).toBeGreaterThanOrEqual(1);
      expect(b.samples, b.name).toBeGreaterThan(0);
      // A number when it could be measured, null ("n/a") when not: never a made-up figure.
      if (b.bytesAllocatedPerOp !== null) nonNegativeFinite(b.bytesAllocatedPerOp, `${b.name} bytes/op`);
      if (report.machine.gc === null) expect(b.bytesAllocatedPerOp).toBeNull();
    }
    // The measurement sees the value encodeValue has to allocate (256 commands of a 24-byte header
    // and 16 bytes: 10,240 bytes). Within 2%: the probe subtracts what its own readings cost, a
    // median over empty windows, so a window may come out a little under (CI once read 10,224).
    if (report.machine.gc !== null) {
      const encode = report.benchmarks.find((b: any) => b.name === 'encodeValue 256x16B');
      expect(encode.bytesAllocatedPerOp).toBeGreaterThanOrEqual(0.98 * 256 * 40);
    }
  }, 30_000);

  it('prints a table naming every benchmark, within 100 columns', async () => {
    const run = await runCli(['micro', '--duration', '0.02', '--warmup', '0']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/ns\/op\s+p99 ns\/op\s+ops\/s\s+bytes alloc\/op/);
    for (const name of NAMES) expect(run.stdout).toContain(name);
    for (const line of run.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    expect(run.stderr).toMatch(new RegExp(`^synod bench micro: ${NAMES.length} measurements, about`));
  }, 30_000);
});
