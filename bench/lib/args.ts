import { parseArgs } from 'node:util';

/** A mistake on the command line: the CLI prints it with the usage text and exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Options every suite understands. Times are kept in milliseconds inside, seconds on the command line. */
export interface BenchOptions {
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly runs: number;
  readonly json: boolean;
  /** --report FILE.html: also write a self-contained HTML report with charts there. */
  readonly report?: string | undefined;
  /** Narrows the log suite's grid (and the load of the others); undefined: each suite's default. */
  readonly grid?: GridOptions;
}

export type StorageKind = 'memory' | 'file';

export interface GridOptions {
  /** Appends (or numbers, or puts) kept in flight, all threads together. */
  readonly concurrency?: readonly number[];
  readonly entryBytes?: readonly number[];
  readonly acceptors?: readonly number[];
  readonly storage?: readonly StorageKind[];
  /** Leader kills of the failover suite. */
  readonly kills?: number;
}

export interface BenchCommand {
  /** undefined only when `help` is set. */
  readonly suite: string | undefined;
  readonly help: boolean;
  readonly options: BenchOptions;
}

export const DEFAULT_DURATION_SECONDS = 2;
export const DEFAULT_WARMUP_SECONDS = 0.5;
export const DEFAULT_RUNS = 3;

export function usage(suiteNames: readonly string[]): string {
  return [
    'usage: synod bench <suite> [options]      (or: npm run bench -- <suite> [options])',
    '',
    `suites: ${suiteNames.join(', ')}`,
    '',
    'options:',
    `  --duration <s>   measured seconds per measurement (default ${DEFAULT_DURATION_SECONDS})`,
    `  --warmup <s>     warm-up seconds before each measurement (default ${DEFAULT_WARMUP_SECONDS})`,
    `  --runs <n>       repetitions of every measurement; the median is reported (default ${DEFAULT_RUNS})`,
    '  --json           print the figures as one JSON object on stdout (progress goes to stderr)',
    '  --report <file>  also write a self-contained HTML report with charts (no network needed to view it)',
    '',
    'grid (log, sequencer, failover, compare; default: the full grid of each suite):',
    '  --concurrency <list>   appends in flight over all load threads, e.g. 1,16,256',
    '  --entry-bytes <list>   entry sizes in bytes, e.g. 16,1024 (log)',
    '  --acceptors <list>     acceptor counts, odd, e.g. 3,5 (log)',
    '  --storage <list>       memory and/or file (log; file: a temp dir, fsync batch)',
    '  --kills <n>            leader kills (failover)',
    '  -h, --help       this text',
    '',
    'micro (tinybench, one thread): each benchmark runs 0.4 x --duration after 0.4 x --warmup; --runs is not used',
  ].join('\n');
}

/**
 * Parses the arguments after `node cli.js`. A leading `bench` word is accepted and dropped, so
 * `npx synod bench mailbox` (the bin) and `npm run bench -- mailbox` (the script) mean the same.
 */
export function parseCommand(argv: readonly string[]): BenchCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        duration: { type: 'string' },
        warmup: { type: 'string' },
        runs: { type: 'string' },
        json: { type: 'boolean', default: false },
        report: { type: 'string' },
        concurrency: { type: 'string' },
        'entry-bytes': { type: 'string' },
        acceptors: { type: 'string' },
        storage: { type: 'string' },
        kills: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    // node:util reports unknown options and missing values as TypeErrors with a usable message.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  const positionals = parsed.positionals[0] === 'bench' ? parsed.positionals.slice(1) : parsed.positionals;
  if (positionals.length > 1) throw new UsageError(`expected one suite, got: ${positionals.join(' ')}`);
  const suite = positionals[0];
  if (suite === undefined && !values.help) throw new UsageError('no suite given');
  return {
    suite,
    help: values.help,
    options: {
      durationMs: secondsOption('--duration', values.duration, DEFAULT_DURATION_SECONDS, false) * 1000,
      warmupMs: secondsOption('--warmup', values.warmup, DEFAULT_WARMUP_SECONDS, true) * 1000,
      runs: countOption('--runs', values.runs, DEFAULT_RUNS),
      json: values.json,
      report: reportOption(values.report),
      grid: {
        concurrency: listOption('--concurrency', values.concurrency, 1, 65_536),
        entryBytes: listOption('--entry-bytes', values['entry-bytes'], 0, 65_536),
        acceptors: oddListOption(values.acceptors),
        storage: storageOption(values.storage),
        kills: values.kills === undefined ? undefined : countOption('--kills', values.kills, 1),
      },
    },
  };
}

function reportOption(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === '' || text.startsWith('-')) throw new UsageError(`--report takes a file name, got '${text}'`);
  return text;
}

function listOption(name: string, text: string | undefined, min: number, max: number): number[] | undefined {
  if (text === undefined) return undefined;
  const items = text.split(',').map((item) => item.trim());
  const values = items.map(Number);
  const ok = items.length > 0 && items.every((item) => /^\d+$/.test(item)) && values.every((v) => Number.isSafeInteger(v) && v >= min && v <= max);
  if (!ok) throw new UsageError(`${name} takes a comma-separated list of whole numbers from ${min} to ${max}, got '${text}'`);
  return [...new Set(values)];
}

function oddListOption(text: string | undefined): number[] | undefined {
  const values = listOption('--acceptors', text, 1, 31);
  if (values !== undefined && values.some((v) => v % 2 === 0)) throw new UsageError(`--acceptors takes odd counts (1 to 31), got '${text}'`);
  return values;
}

function storageOption(text: string | undefined): StorageKind[] | undefined {
  if (text === undefined) return undefined;
  const items = [...new Set(text.split(',').map((item) => item.trim()))];
  if (items.length === 0 || !items.every((item): item is StorageKind => item === 'memory' || item === 'file')) {
    throw new UsageError(`--storage takes memory, file or memory,file, got '${text}'`);
  }
  return items;
}

function secondsOption(name: string, text: string | undefined, fallback: number, zeroAllowed: boolean): number {
  if (text === undefined) return fallback;
  const seconds = Number(text);
  const ok = text.trim() !== '' && Number.isFinite(seconds) && (zeroAllowed ? seconds >= 0 : seconds > 0);
  if (!ok) throw new UsageError(`${name} takes a number of seconds ${zeroAllowed ? '>= 0' : '> 0'}, got '${text}'`);
  return seconds;
}

function countOption(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const count = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(count) || count < 1) {
    throw new UsageError(`${name} takes a whole number >= 1, got '${text}'`);
  }
  return count;
}
