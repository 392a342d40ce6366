#!/usr/bin/env node
// npm run sim -- --seed S            replay one seed (prints its summary; the trace with --trace)
// npm run sim -- --seeds N           run N seeds from a random start (or --start S), over a pool of
//                                    worker threads (--workers K, default one per core; 0: this thread)
// options: --break <bug>             plant a deliberate bug (DELIBERATE_BUGS in broken.ts)
//          --trace                   print the whole trace of a --seed run
//          --tail <lines>            trace lines printed on a failure (default 200)
// On a violation: prints the seed, the rule, the run's description and the end of its trace,
// and exits with code 1. `npm run sim -- --seed S` replays it exactly.

import { performance } from 'node:perf_hooks';
import { randomInt } from 'node:crypto';
import { DELIBERATE_BUGS, isDeliberateBug } from './broken.js';
import type { DeliberateBug } from './broken.js';
import { runSeed } from './scheduler.js';
import { runSeedsOnPool } from './seed-pool.js';
import type { RunOptions, RunResult } from './scheduler.js';

/** `items`, comma-separated, in lines of at most `width` columns, each starting with `indent`. */
function wrapList(items: readonly string[], indent: string, width: number): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const [i, item] of items.entries()) {
    const piece = `${item}${i < items.length - 1 ? ',' : ''}`;
    if (line.length > indent.length && line.length + 1 + piece.length > width) {
      lines.push(line);
      line = indent;
    }
    line += line.length > indent.length ? ` ${piece}` : piece;
  }
  lines.push(line);
  return lines;
}

const USAGE = [
  'usage: synod sim [options]            (in a clone: npm run sim -- [options])',
  '  --seed S        replay one seed on this thread (its summary; the whole trace with --trace)',
  '  --seeds N       run N seeds (default 100) from a random start, over a pool of worker threads',
  '  --start S       the first seed of --seeds',
  '  --workers K     pool threads (default one per core; 0: this thread)',
  '  --break BUG     plant a deliberate bug the checks must catch, one of:',
  ...wrapList(DELIBERATE_BUGS, '                  ', 100),
  '  --trace         print the whole trace of a --seed run',
  '  --tail LINES    trace lines printed on a failure (default 200)',
  '  -h, --help      this text',
  'A violation prints its seed, rule and trace, and exits 1; --seed replays it exactly.',
].join('\n');

interface CliArgs {
  help: boolean;
  seed: number | undefined;
  seeds: number | undefined;
  start: number | undefined;
  bug: DeliberateBug | undefined;
  trace: boolean;
  tailLines: number;
  workers: number | undefined;
}

function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = { help: false, seed: undefined, seeds: undefined, start: undefined, bug: undefined, trace: false, tailLines: 200, workers: undefined };
  const integer = (flag: string, text: string | undefined): number => {
    const value = Number(text);
    if (text === undefined || !Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`${flag} needs a non-negative integer, got ${String(text)}`);
    }
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    switch (flag) {
      case '--seed':
        args.seed = integer(flag, argv[++i]);
        break;
      case '--seeds':
        args.seeds = integer(flag, argv[++i]);
        break;
      case '--start':
        args.start = integer(flag, argv[++i]);
        break;
      case '--break': {
        const kind = argv[++i];
        if (!isDeliberateBug(kind)) throw new RangeError(`--break must be one of ${DELIBERATE_BUGS.join(', ')}, got ${String(kind)}`);
        args.bug = kind;
        break;
      }
      case '--trace':
        args.trace = true;
        break;
      case '-h':
      case '--help':
        args.help = true;
        break;
      case '--tail':
        args.tailLines = integer(flag, argv[++i]);
        break;
      case '--workers':
        args.workers = integer(flag, argv[++i]);
        break;
      default:
        throw new RangeError(`unknown argument ${String(flag)}\n${USAGE}`);
    }
  }
  if (args.seed === undefined && args.seeds === undefined) args.seeds = 100;
  return args;
}

function summary(result: RunResult): string {
  const { stats } = result;
  return (
    `seed ${result.seed}: ${result.ok ? 'ok' : `VIOLATION ${result.violation!.rule}`} | ` +
    `${result.commandsDelivered} commands in ${result.slotsChosen} slots, ${result.simulatedMs} ms simulated, ` +
    `${stats.events} events, ${stats.messagesSent} messages (${stats.messagesDropped} dropped, ` +
    `${stats.messagesDuplicated} duplicated), ${stats.crashes} crashes, ${stats.partitions} partitions, ` +
    `${stats.campaigns} campaigns | hash ${result.hash}`
  );
}

function reportFailure(result: RunResult, options: RunOptions, tailLines: number): void {
  // Re-run with tracing on: same seed, same run, now with words.
  const traced = runSeed(result.seed, { ...options, trace: true });
  const lines = traced.trace;
  console.log('');
  console.log(`FAILED seed ${result.seed}: ${result.violation!.message} (at ${result.violation!.atMs} ms)`);
  console.log(traced.description);
  console.log(`--- last ${Math.min(tailLines, lines.length)} of ${lines.length} trace lines ---`);
  for (const line of lines.slice(-tailLines)) console.log(line);
  console.log('---');
  const breakFlag = options.bug ? ` --break ${options.bug}` : '';
  console.log(`replay: npm run sim -- --seed ${result.seed}${breakFlag} --trace`);
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const options: RunOptions = { bug: args.bug };
  if (args.seed !== undefined) {
    const result = runSeed(args.seed, { ...options, trace: args.trace });
    if (args.trace) for (const line of result.trace) console.log(line);
    console.log(result.description);
    console.log(summary(result));
    if (!result.ok) {
      if (!args.trace) reportFailure(result, options, args.tailLines);
      return 1;
    }
    return 0;
  }
  const count = args.seeds!;
  const start = args.start ?? randomInt(0, 2 ** 31);
  const broken = args.bug ? ` (broken: ${args.bug})` : '';
  if (args.workers !== 0) {
    let reported = 0;
    const summary = await runSeedsOnPool(start, count, {
      workers: args.workers,
      bug: args.bug,
      progress: (done) => {
        if (done - reported >= 10_000) {
          reported = done;
          console.error(`  ${done} seeds...`);
        }
      },
    });
    const rate = `${(summary.runs / summary.seconds).toFixed(0)} seeds/s on ${summary.workers} worker(s)`;
    if (summary.failedSeed >= 0) {
      console.log(`ran ${summary.runs} seeds from ${start}${broken}: seed ${summary.failedSeed} FAILED (${rate})`);
      reportFailure(runSeed(summary.failedSeed, options), options, args.tailLines);
      return 1;
    }
    console.log(
      `ran ${count} seeds ${start}..${start + count - 1}${broken}: all clean; ${summary.commandsDelivered} commands delivered, ` +
        `${summary.events} events, ${summary.seconds.toFixed(1)} s, ${rate}`,
    );
    return 0;
  }
  const begun = performance.now();
  let events = 0;
  let commands = 0;
  for (let seed = start; seed < start + count; seed++) {
    const result = runSeed(seed, options);
    events += result.stats.events;
    commands += result.commandsDelivered;
    if (!result.ok) {
      console.log(`ran seeds ${start}..${seed}: seed ${seed} FAILED`);
      reportFailure(result, options, args.tailLines);
      return 1;
    }
  }
  const seconds = (performance.now() - begun) / 1000;
  console.log(
    `ran ${count} seeds ${start}..${start + count - 1}${broken}: ` +
      `all clean; ${commands} commands delivered, ${events} events, ${seconds.toFixed(1)} s, ${(count / seconds).toFixed(0)} seeds/s on this thread`,
  );
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 2;
}
