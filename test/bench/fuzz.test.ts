import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/sim/rng.js';
import { planTrial } from '../../bench/fuzz/trial-options.js';
import { logLimits } from '../../src/index.js';
import { rmSync } from 'node:fs';
import { resolveLogOptions } from '../../src/log/options.js';

// The options-and-faults fuzzer (npm run fuzz): long runs stay out of CI; here one short trial
// runs clean, the checker fails a trial whose read-back it was made to see wrong, and the drawn
// options are ones the log takes.
const root = fileURLToPath(new URL('../../', import.meta.url));

function fuzz(...args: string[]) {
  return spawnSync(process.execPath, ['dist/bench/fuzz/options-faults.js', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
}

describe('npm run fuzz (odd options under faults)', () => {
  it('runs a trial clean and says how to replay it', () => {
    const run = fuzz('--start', '3', '--seeds', '1', '--no-kills');
    expect(run.stdout).toMatch(/^ok seed 3: \d+ acknowledged/m);
    expect(run.stdout).toContain('1 of 1 trials clean');
    expect(run.status).toBe(0);
  });

  it('fails a trial whose read-back is wrong (the checker is checked)', () => {
    const run = fuzz('--start', '3', '--seeds', '1', '--no-kills', '--break-check');
    expect(run.stdout).toMatch(/^FAIL seed 3 \{.*\}: index \d+ reads back other bytes/m);
    expect(run.status).toBe(1);
  });

  it('refuses an argument it does not take, before any trial', () => {
    const run = fuzz('--seed', '3');
    expect(run.stderr).toContain('unknown argument --seed');
    expect(run.stdout).toBe('');
    expect(run.status).toBe(2);
  });

  it('draws options within every bound, the same for the same seed', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const plan = planTrial(new Rng(seed));
      const again = planTrial(new Rng(seed));
      try {
        const { options } = plan;
        expect({ ...again.options, storage: undefined }).toEqual({ ...options, storage: undefined });
        expect(again.sizes).toEqual(plan.sizes);
        expect(plan.entryBytesMax).toBeLessThanOrEqual(logLimits(options.ringBytes!).entryBytesBound);
        for (const sizes of plan.sizes) for (const size of sizes) expect(size).toBeLessThanOrEqual(plan.entryBytesMax);
        // The log takes them, and the reopen's too.
        expect(resolveLogOptions(options).entryBytesMax).toBe(plan.entryBytesMax);
        expect(() => resolveLogOptions({ ...options, ...plan.reopen })).not.toThrow();
      } finally {
        for (const dir of [plan.options.storage?.dir, again.options.storage?.dir]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
