import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { machineInfo, type MachineInfo } from './machine.js';

/**
 * What a reader of a report needs to tell one run from another, and to reproduce it: when it
 * ran, which synod (version and commit), the command line, and the machine. The suites' JSON
 * carries the settings each suite used; this is what no suite knows.
 */
export interface RunInfo {
  /** ISO 8601, UTC: when this process started (the bench CLI starts the run at once). */
  readonly startedAt: string;
  /** ISO 8601, UTC: when the report was written, after the last measurement. */
  readonly finishedAt: string;
  readonly synodVersion: string;
  /** The git commit, with ' (modified)' when the checkout has uncommitted changes; or why it is unknown. */
  readonly commit: string;
  /** The arguments after `synod`, as typed: the run can be repeated from them. */
  readonly command: string;
  readonly machine: MachineInfo;
}

// dist/bench/lib/run-info.js or bench/lib/run-info.ts: the package root is three folders up either way.
const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function collectRunInfo(now: Date = new Date()): RunInfo {
  const packageJson = readPackageJson();
  return {
    startedAt: new Date(performance.timeOrigin).toISOString(),
    finishedAt: now.toISOString(),
    synodVersion: typeof packageJson.version === 'string' ? packageJson.version : 'unknown',
    commit: gitCommit() ?? (typeof packageJson.gitHead === 'string' ? packageJson.gitHead : 'unknown (not a git checkout)'),
    command: ['synod', ...process.argv.slice(2)].join(' '),
    machine: machineInfo(),
  };
}

function readPackageJson(): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/**
 * The commit of synod's own checkout, or undefined. Installed under node_modules inside an
 * application's repository, `git rev-parse` would answer with the application's commit, so the
 * checkout's top level must be synod's package root itself.
 */
function gitCommit(): string | undefined {
  const git = (...args: string[]) => spawnSync('git', ['-C', PACKAGE_ROOT, ...args], { encoding: 'utf8', timeout: 5000 });
  const top = git('rev-parse', '--show-toplevel');
  if (top.status !== 0 || !samePath(top.stdout.trim(), PACKAGE_ROOT)) return undefined;
  const head = git('rev-parse', '--short=12', 'HEAD');
  if (head.status !== 0) return undefined;
  const dirty = git('status', '--porcelain', '--untracked-files=no').stdout.trim() !== '';
  return `${head.stdout.trim()}${dirty ? ' (modified)' : ''}`;
}

function samePath(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}
