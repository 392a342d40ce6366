import { readFileSync } from 'node:fs';
import type { RunInfo } from '../../dist/bench/lib/run-info.js';

/**
 * Figures for report tests, so that they run in a second instead of minutes: the `--json` output
 * of one real `synod bench all` (0.3 s runs, grid concurrency 1,16,256 x entry bytes
 * 16,1024,65536 x storage memory,file, 3 acceptors, etcd 3.4 found), and variants of it.
 */
type Json = Record<string, any>;

const ALL = readFileSync(new URL('./fixtures/all-short-run.json', import.meta.url), 'utf8');

/** A fresh copy each time: tests edit their variant. */
export function allRun(): Json {
  return JSON.parse(ALL) as Json;
}

/** What `synod bench log --json` prints: the log suite's own object. */
export function logRun(): Json {
  return allRun().suites.log as Json;
}

/** `all` without some of its suites, as if they had not run. */
export function allRunWithout(...suites: string[]): Json {
  const json = allRun();
  for (const suite of suites) delete json.suites[suite];
  return json;
}

/** `all` where the compare suite ran but could not start etcd. */
export function allRunWithoutEtcd(): Json {
  const json = allRun();
  const compare = json.suites.compare;
  compare.etcd = { ran: false, version: null, skipReason: 'no etcd binary found', howToEnable: 'install etcd: apt-get install -y etcd-server', dataDir: null };
  compare.rows = compare.rows.map((row: Json) => ({ ...row, etcd: null, ratio: null }));
  return json;
}

/** `all` where etcd ran but its measurement at one concurrency failed (a stalled cluster on a loaded machine). */
export function allRunWithEtcdFailedAt(concurrency: number): Json {
  const json = allRun();
  const row = json.suites.compare.rows.find((r: Json) => r.concurrency === concurrency);
  Object.assign(row, { etcd: null, ratio: null, etcdError: 'no operation completed in run 1, not even after its measured window' });
  return json;
}

export const FIXED_RUN: RunInfo = {
  startedAt: '2026-12-03T09:10:11.000Z',
  finishedAt: '2026-12-03T09:15:01.000Z',
  synodVersion: '9.8.7',
  commit: '0123456789ab (modified)',
  command: 'synod bench all --duration 0.3 --warmup 0.1 --runs 1 --report out.html',
  machine: { cores: 2, cpuModel: 'Test CPU Model 3000', nodeVersion: 'v20.99.0', platform: 'linux x64' },
};
