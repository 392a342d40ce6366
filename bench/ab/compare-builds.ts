// Two builds of synod, measured the same way, one after the other: the check behind "this change
// is faster" or "the one-appender latency did not regress". This VM's speed drifts by 2x within
// minutes, so figures from different times do not compare; pairs run back to back do. For each
// configuration and round it runs closed-loop-child.js once against the base build and once
// against this one (which goes first alternates by round), each in a fresh process through the
// same public API, and prints every pair, the medians and their ratio.
//
//   npm run ab -- --base DIR [--configs 1x16,256x16,...] [--rounds N] [--seconds S] [--warmup S] [--json]
//
// Defaults: the configurations of DEFAULT_CONFIGS, 3 rounds, 3 s of warm-up and 4 s counted. The
// warm-up is long on purpose: on 2 cores V8 is still compiling the actors' code 2 s into a run,
// and with 1 s a single appender's p99 measured the JIT (1.2-1.5 ms against 0.43-0.54 after 3 s).
//
// DIR is a checkout of the other build, built: for a commit, `git worktree add ../base REV &&
// cd ../base && npm ci && npm run build`.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { UsageError, countOption } from '../lib/args.js';
import { formatEntryBytes, renderTable, wrapText } from '../lib/format.js';
import { machineInfo } from '../lib/machine.js';
import { DEFAULT_CONFIGS, buildEntry, configRows, parseConfigs, type ChildResult, type LoopConfig } from './builds.js';

const CHILD = fileURLToPath(new URL('./closed-loop-child.js', import.meta.url));
/** This checkout: dist/bench/ab/ is three levels below it. */
const THIS_BUILD = resolve(dirname(CHILD), '..', '..', '..');
const ROUNDS_MAX = 20;
const SECONDS_MAX = 600;
/** A child gets its warm-up and window, plus this for starting its threads and closing the log. */
const CHILD_SLACK_MS = 60_000;

interface Settings {
  readonly base: string;
  readonly configs: readonly LoopConfig[];
  readonly rounds: number;
  readonly measureMs: number;
  readonly warmupMs: number;
  /** Print one JSON object (every child's figures) instead of the tables. */
  readonly json: boolean;
}

function secondsOption(name: string, text: string, least: number): number {
  const seconds = Number(text);
  if (!(seconds >= least && seconds <= SECONDS_MAX)) throw new UsageError(`--${name} must be ${least} to ${SECONDS_MAX} seconds, got '${text}'`);
  return Math.round(seconds * 1000);
}

function parsedArgs(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        base: { type: 'string' },
        configs: { type: 'string', default: DEFAULT_CONFIGS },
        rounds: { type: 'string' },
        seconds: { type: 'string', default: '4' },
        warmup: { type: 'string', default: '3' },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    // An unknown flag, a value missing or one that starts with a dash: parseArgs says which.
    throw new UsageError((error as Error).message);
  }
}

function settingsOf(argv: readonly string[]): Settings {
  const { values } = parsedArgs(argv);
  if (values.base === undefined) throw new UsageError('--base DIR is required: a checkout of the build to compare with');
  const base = resolve(values.base);
  if (!existsSync(buildEntry(base))) throw new UsageError(`no build at ${base}: ${buildEntry(base)} is missing (run npm ci && npm run build there)`);
  const rounds = countOption('--rounds', values.rounds, 3, ROUNDS_MAX);
  let configs: LoopConfig[];
  try {
    configs = parseConfigs(values.configs);
  } catch (error) {
    throw new UsageError(`--configs: ${(error as Error).message}`);
  }
  // Whole milliseconds, at least one for the window (a child counts appends per second of it).
  return {
    base,
    configs,
    rounds,
    measureMs: secondsOption('seconds', values.seconds, 0.001),
    warmupMs: secondsOption('warmup', values.warmup, 0),
    json: values.json,
  };
}

function runChild(build: string, config: LoopConfig, settings: Settings): Promise<ChildResult> {
  const args = [
    CHILD,
    `--build=${build}`,
    `--lanes=${config.lanes}`,
    `--entry-bytes=${config.entryBytes}`,
    `--warmup-ms=${settings.warmupMs}`,
    `--measure-ms=${settings.measureMs}`,
  ];
  const timeout = settings.warmupMs + settings.measureMs + CHILD_SLACK_MS;
  return new Promise((done, fail) => {
    execFile(process.execPath, args, { timeout, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error !== null) {
        fail(new Error(`${build}, ${config.lanes} x ${config.entryBytes} B: ${error.message}\n${stderr}`));
        return;
      }
      done(JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildResult);
    });
  });
}

/** Each round's pair, the base build's first in odd rounds and this one's first in even rounds. */
async function measurePairs(config: LoopConfig, settings: Settings): Promise<{ base: ChildResult[]; current: ChildResult[] }> {
  const base: ChildResult[] = [];
  const current: ChildResult[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    if (round % 2 === 0) {
      base.push(await runChild(settings.base, config, settings));
      current.push(await runChild(THIS_BUILD, config, settings));
    } else {
      current.push(await runChild(THIS_BUILD, config, settings));
      base.push(await runChild(settings.base, config, settings));
    }
  }
  return { base, current };
}

async function main(): Promise<void> {
  const settings = settingsOf(process.argv.slice(2));
  const machine = machineInfo();
  const results: Array<LoopConfig & { base: ChildResult[]; this: ChildResult[] }> = [];
  if (!settings.json) {
    console.log(`${machine.cores} cores (${machine.cpuModel}), Node ${machine.nodeVersion}, ${machine.platform}`);
    console.log(`base: ${settings.base}\nthis: ${THIS_BUILD}`);
    const method =
      'each pair back to back (which goes first alternates by round), a fresh process each, 3 acceptors in memory, ' +
      `appends from one thread; ${settings.warmupMs / 1000} s of warm-up, then ${settings.measureMs / 1000} s counted`;
    console.log(wrapText(method, 100, ''));
  }
  for (const config of settings.configs) {
    const { base, current } = await measurePairs(config, settings);
    results.push({ ...config, base, this: current });
    if (settings.json) continue;
    console.log(`\n${config.lanes} in flight, ${formatEntryBytes(config.entryBytes)}:`);
    console.log(renderTable(configRows(base, current)));
  }
  if (settings.json) {
    const { base, rounds, warmupMs, measureMs } = settings;
    console.log(JSON.stringify({ machine, base, this: THIS_BUILD, rounds, warmupMs, measureMs, configs: results }));
  }
}

try {
  await main();
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`compare-builds: ${error.message}`);
  process.exitCode = 2;
}
