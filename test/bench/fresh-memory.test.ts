import { describe, expect, it } from 'vitest';
import { measureFreshMemory } from '../../bench/log/fresh-memory.js';

// The log suite's fresh-memory baseline: rates are machine figures (never asserted against a
// speed), but both passes must have copied something and the arguments are checked.
describe('the fresh-memory baseline', () => {
  it('reports a positive, finite rate for the first write and for the write over it', () => {
    const figures = measureFreshMemory(65_536, 20);
    expect(Number.isFinite(figures.freshGigabytesPerSecond) && figures.freshGigabytesPerSecond > 0).toBe(true);
    expect(Number.isFinite(figures.rewrittenGigabytesPerSecond) && figures.rewrittenGigabytesPerSecond > 0).toBe(true);
  });

  it('refuses entry sizes and budgets it cannot measure with', () => {
    expect(() => measureFreshMemory(0, 20)).toThrow(RangeError);
    expect(() => measureFreshMemory(1.5, 20)).toThrow(RangeError);
    expect(() => measureFreshMemory(2 ** 28, 20)).toThrow(/at most|from 1 to/);
    expect(() => measureFreshMemory(65_536, 0)).toThrow(RangeError);
    expect(() => measureFreshMemory(65_536, Number.NaN)).toThrow(RangeError);
  });
});
