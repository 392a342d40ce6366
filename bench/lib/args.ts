import { OPTION_NAMES, OPTION_SPECS, SHORT_OPTIONS, isOptionName, type OptionName } from './option-specs.js';
import { closestMatch } from './suggest.js';

/** A mistake on the command line: the CLI prints its message (no stack) and exits with code 2, before anything runs. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The options a suite runs with, defaults filled in. Times are kept in milliseconds inside, seconds on the command line. */
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
  /** Load threads a closed loop's appends in flight are split over, at most (log, compare); undefined: 4, or the cores if fewer (defaultLoadThreadsMax). */
  readonly loadThreads?: number;
}

export interface BenchCommand {
  /** undefined only when `help` is set. */
  readonly suite: string | undefined;
  readonly help: boolean;
  readonly options: BenchOptions;
  /** The options written on the command line (not defaulted): what the per-suite check looks at. */
  readonly given: ReadonlySet<OptionName>;
}

export const DEFAULT_DURATION_SECONDS = 2;
export const DEFAULT_WARMUP_SECONDS = 0.5;
export const DEFAULT_RUNS = 3;
/** The most --load-threads takes: a thread each is a worker with its own V8 heap. */
export const LOAD_THREADS_OPTION_MAX = 64;

/**
 * Parses the arguments after `node cli.js`. A leading `bench` word is accepted and dropped, so
 * `npx synod bench mailbox` (the bin) and `npm run bench -- mailbox` (the script) mean the same.
 * Every mistake is a UsageError whose message names the option, the value and what was expected.
 */
export function parseCommand(argv: readonly string[]): BenchCommand {
  const { values, positionals: words, given } = tokenize(argv);
  const positionals = words[0] === 'bench' ? words.slice(1) : words;
  const help = values.help !== undefined;
  if (positionals.length > 1) throw new UsageError(`expected one suite, got: ${positionals.join(' ')}`);
  const suite = positionals[0];
  if (suite === undefined && !help) throw new UsageError('no suite given');
  return {
    suite,
    help,
    given,
    options: {
      durationMs: secondsOption('--duration', values.duration, DEFAULT_DURATION_SECONDS, false) * 1000,
      warmupMs: secondsOption('--warmup', values.warmup, DEFAULT_WARMUP_SECONDS, true) * 1000,
      runs: countOption('--runs', values.runs, DEFAULT_RUNS),
      json: values.json !== undefined,
      report: reportOption(values.report),
      grid: {
        concurrency: listOption('--concurrency', values.concurrency, 1, 65_536),
        entryBytes: listOption('--entry-bytes', values['entry-bytes'], 0, 65_536),
        acceptors: oddListOption(values.acceptors),
        storage: storageOption(values.storage),
        kills: values.kills === undefined ? undefined : countOption('--kills', values.kills, 1),
        loadThreads: values['load-threads'] === undefined ? undefined : countOption('--load-threads', values['load-threads'], 1, LOAD_THREADS_OPTION_MAX),
      },
    },
  };
}

interface Tokens {
  /** The text after each option given ('' for a flag); the last one wins when an option is repeated. */
  readonly values: Partial<Record<OptionName, string>>;
  readonly positionals: string[];
  readonly given: Set<OptionName>;
}

/**
 * Splits argv into options and words by the table in option-specs.ts. Hand-written rather than
 * node:util parseArgs, whose errors ("Unknown option '--durration'. To specify a positional
 * argument starting with a '-', place it at the end of the command after '--'") speak parser.
 */
function tokenize(argv: readonly string[]): Tokens {
  const values: Partial<Record<OptionName, string>> = {};
  const positionals: string[] = [];
  const given = new Set<OptionName>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const written = equals < 0 ? arg : arg.slice(0, equals);
    const name = optionNamed(written);
    const spec = OPTION_SPECS[name];
    let value: string;
    if (!spec.takesValue) {
      if (equals >= 0) throw new UsageError(`--${name} takes no value, got '${arg}'`);
      value = '';
    } else if (equals >= 0) {
      value = arg.slice(equals + 1);
    } else {
      const next = argv[i + 1];
      // A word starting with "--" is the next option ("--report --json"), not a value; "-1" is a value, refused by the option's check.
      if (next === undefined || next.startsWith('--') || next === '-h') {
        throw new UsageError(`--${name} needs a value: ${spec.value} (${spec.help})`);
      }
      value = next;
      i++;
    }
    values[name] = value;
    given.add(name);
  }
  return { values, positionals, given };
}

/** The option a written flag names, or a UsageError suggesting the closest known one. */
function optionNamed(written: string): OptionName {
  if (written.startsWith('--')) {
    const name = written.slice(2);
    if (isOptionName(name)) return name;
  } else {
    const short = SHORT_OPTIONS[written.slice(1)];
    if (short !== undefined) return short;
  }
  const guess = closestMatch(written.replace(/^-+/, ''), OPTION_NAMES);
  throw new UsageError(`unknown option '${written}'${guess === undefined ? '' : ` (did you mean '--${guess}'?)`}`);
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

export function countOption(name: string, text: string | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (text === undefined) return fallback;
  const count = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(count) || count < 1 || count > max) {
    throw new UsageError(`${name} takes a whole number >= 1${max === Number.MAX_SAFE_INTEGER ? '' : ` and <= ${max}`}, got '${text}'`);
  }
  return count;
}
