import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ENTRY_BYTES_MAX, LANES_MAX, configRows, parseConfigs, type ChildResult } from '../../bench/ab/builds.js';

// npm run ab: two builds measured in pairs. A stand-in base build whose appends each take 20 ms
// shows that each side of a pair measures the build it names (a runner that measured this
// checkout twice would report the same figures on both sides).
const root = fileURLToPath(new URL('../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'synod-ab-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const APPEND_MS = 20;

function slowBuild(): string {
  const dir = join(scratch, 'slow');
  mkdirSync(join(dir, 'dist', 'src'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(
    join(dir, 'dist', 'src', 'index.js'),
    `let next = 0;
export const ReplicatedLog = {
  async open() {
    return {
      append: () => new Promise((resolve) => setTimeout(() => resolve(next++), ${APPEND_MS})),
      close: async () => undefined,
    };
  },
};
`,
  );
  return dir;
}

function ab(...args: string[]) {
  return spawnSync(process.execPath, ['dist/bench/ab/compare-builds.js', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
}

const result = (appendsPerSecond: number, p50Us: number, p99Us: number): ChildResult => ({ appendsPerSecond, p50Us, p99Us });

describe('npm run ab (two builds compared in pairs)', () => {
  it('reads configurations at their bounds and names the first one out of them', () => {
    expect(parseConfigs('1x16, 256x1024,16x65536')).toEqual([
      { lanes: 1, entryBytes: 16 },
      { lanes: 256, entryBytes: 1024 },
      { lanes: 16, entryBytes: 65536 },
    ]);
    expect(parseConfigs(`${LANES_MAX}x0,1x${ENTRY_BYTES_MAX}`)).toEqual([
      { lanes: LANES_MAX, entryBytes: 0 },
      { lanes: 1, entryBytes: ENTRY_BYTES_MAX },
    ]);
    for (const bad of [`${LANES_MAX + 1}x16`, '0x16', `1x${ENTRY_BYTES_MAX + 1}`, '256', 'ax16', '256x16x2', '']) {
      expect(() => parseConfigs(`1x16,${bad}`)).toThrow(new RegExp(`got '${bad}'`));
    }
  });

  it('puts each pair side by side, then the medians and this build over the base', () => {
    const base = [result(100_000, 200, 900), result(300_000, 100, 500), result(200_000, 150, 700)];
    const current = [result(400_000, 100, 400), result(500_000, 60, 300), result(600_000, 50, 200)];
    const rows = configRows(base, current);
    expect(rows[1]).toEqual(['round 1', '100.0 k/s', '400.0 k/s', '0.20 ms', '0.10 ms', '0.90 ms', '0.40 ms']);
    expect(rows.at(-2)).toEqual(['median', '200.0 k/s', '500.0 k/s', '0.15 ms', '0.060 ms', '0.70 ms', '0.30 ms']);
    expect(rows.at(-1)).toEqual(['this / base', '', '2.50x', '', '0.40x', '', '0.43x']);
    expect(() => configRows(base, current.slice(1))).toThrow(RangeError);
  });

  it('measures each build it names: the slow stand-in on the base side, this checkout on the other', () => {
    const run = ab('--base', slowBuild(), '--configs', '2x16', '--rounds', '2', '--seconds', '0.5', '--warmup', '0.2', '--json');
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { rounds: number; configs: Array<{ lanes: number; base: ChildResult[]; this: ChildResult[] }> };
    expect(report.rounds).toBe(2);
    const [config] = report.configs;
    expect(config!.lanes).toBe(2);
    expect(config!.base).toHaveLength(2);
    expect(config!.this).toHaveLength(2);
    for (const base of config!.base) {
      // 2 lanes of 20 ms appends: at most 100 a second, none faster than 20 ms.
      expect(base.appendsPerSecond).toBeLessThanOrEqual(2 * (1000 / APPEND_MS));
      expect(base.p50Us).toBeGreaterThanOrEqual(APPEND_MS * 1000 * 0.95);
    }
    // synod's appends resolve without a timer: many more than the stand-in's in the same window.
    for (const current of config!.this) expect(current.appendsPerSecond).toBeGreaterThan(2 * (2 * (1000 / APPEND_MS)));
  }, 120_000);

  it('refuses a base without a build and options out of range, with exit code 2', () => {
    const missing = join(scratch, 'not-built');
    let run = ab('--base', missing);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`no build at ${missing}`);
    run = ab('--configs', '1x16');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--base DIR is required');
    for (const [flag, value] of [['--rounds', '0'], ['--rounds', '21'], ['--seconds', '0'], ['--warmup', '-1'], ['--configs', '1x16,9999x1']]) {
      run = ab('--base', root, flag!, value!);
      expect(run.status, `${flag} ${value}`).toBe(2);
      expect(run.stderr).toContain(flag!.slice(2));
    }
  });
});
