import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../dist/bench/lib/args.js';
import { suites } from '../../dist/bench/suites.js';

// Every suite gives an estimate from the options alone (nothing is measured): measurements, the
// progress steps it will announce, and seconds, which grow with --duration.

describe('bench estimates', () => {
  it('every suite, all included, estimates measurements and time; longer windows take longer', async () => {
    for (const [name, entry] of suites) {
      const suite = await entry.load();
      const timed = entry.accepts.includes('duration');
      const short = await suite.estimate(parseCommand([name, ...(timed ? ['--duration', '0.5'] : [])]).options);
      expect(short.measurements, name).toBeGreaterThan(0);
      expect(short.steps, name).toBeGreaterThanOrEqual(short.measurements); // a step per measurement, at least
      expect(short.seconds, name).toBeGreaterThan(0);
      expect(short.basis, name).toMatch(/\S/);
      if (timed) {
        const long = await suite.estimate(parseCommand([name, '--duration', '5']).options);
        expect(long.seconds, name).toBeGreaterThan(short.seconds);
      }
    }
  });

  it('counts what the grid asks for: log configurations plus the baseline, mailbox runs as steps', async () => {
    const log = await suites.get('log')!.load();
    const narrowed = await log.estimate(parseCommand(['log', '--concurrency', '1,16', '--entry-bytes', '16', '--runs', '1']).options);
    expect(narrowed.measurements).toBe(2 * 1 * 2 * 2 + 1); // in flight x entry sizes x acceptors x storages, + the baseline
    // The default grid, the saturation point (memory, 3 acceptors, 16 B, 4096 in flight) and the baseline.
    expect((await log.estimate(parseCommand(['log']).options)).measurements).toBe(38);
    const mailbox = await suites.get('mailbox')!.load();
    const threeRuns = await mailbox.estimate(parseCommand(['mailbox', '--runs', '3']).options);
    expect(threeRuns.measurements).toBe(7);
    expect(threeRuns.steps).toBe(21);
    const all = await suites.get('all')!.load();
    const everything = await all.estimate(parseCommand(['all']).options);
    expect(everything.parts?.map((part) => part.suite)).toEqual(['mailbox', 'log', 'memory', 'sequencer', 'failover', 'compare']);
    expect(everything.seconds).toBeCloseTo(everything.parts!.reduce((sum, part) => sum + part.estimate.seconds, 0));
  });
});
