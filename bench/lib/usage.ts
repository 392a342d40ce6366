import { DEFAULT_DURATION_SECONDS, DEFAULT_RUNS, DEFAULT_WARMUP_SECONDS } from './args.js';
import { wrapText } from './format.js';
import { OPTION_SPECS, UNIVERSAL_OPTIONS, type OptionName } from './option-specs.js';

export interface UsageSuite {
  readonly summary: string;
  readonly accepts: readonly OptionName[];
  readonly oneValue?: readonly OptionName[];
}

const DEFAULTS: Partial<Record<OptionName, string>> = {
  duration: `default ${DEFAULT_DURATION_SECONDS}`,
  warmup: `default ${DEFAULT_WARMUP_SECONDS}`,
  runs: `default ${DEFAULT_RUNS}`,
  concurrency: "default: the suite's own",
  'entry-bytes': 'default: 16,1024,65536',
  acceptors: 'default: 3,5',
  storage: 'default: memory,file',
  kills: 'default: 2 x runs + 1, at least 3',
  'load-threads': 'default: 4, or the cores if fewer',
};

/** Columns the help text keeps within. */
const COLUMNS = 100;

/** Joins a flag and its "(one value)" so that wrapping never parts them (turned back after). */
const NO_BREAK = '\u00a0';

/** The --help text, built from the option table and each suite's declared options, so it cannot drift from what is checked. */
export function usage(suites: ReadonlyMap<string, UsageSuite>): string {
  const names = [...suites.keys()];
  const nameWidth = Math.max(...names.map((name) => name.length));
  const flag = (name: OptionName): string => `--${name}${OPTION_SPECS[name].takesValue ? ` ${OPTION_SPECS[name].value}` : ''}`;
  const flags = (Object.keys(OPTION_SPECS) as OptionName[]).filter((name) => name !== 'help');
  const flagWidth = Math.max(...flags.map((name) => flag(name).length));
  return [
    'usage: synod bench <suite> [options]      (or: npm run bench -- <suite> [options])',
    '',
    'suites:',
    ...names.map((name) => `  ${name.padEnd(nameWidth)}  ${suites.get(name)!.summary}`),
    '',
    'options:',
    ...flags.map((name) => {
      const fallback = DEFAULTS[name];
      return `  ${flag(name).padEnd(flagWidth)}  ${OPTION_SPECS[name].help}${fallback === undefined ? '' : ` (${fallback})`}`;
    }),
    `  ${'-h, --help'.padEnd(flagWidth)}  this text`,
    '',
    `which suite takes which option (${UNIVERSAL_OPTIONS.filter((o) => o !== 'help').map((o) => `--${o}`).join(', ')}: every suite);`,
    'an option a suite does not take is refused before anything runs (exit code 2):',
    ...names.map((name) => {
      const suite = suites.get(name)!;
      const lead = `  ${name.padEnd(nameWidth)}  `;
      if (name === 'all') return `${lead}what any of its suites takes; each suite gets its own (listed before the run)`;
      if (suite.accepts.length === 0) return `${lead}(no other)`;
      const list = suite.accepts.map((o) => `--${o}${suite.oneValue?.includes(o) ? `${NO_BREAK}(one${NO_BREAK}value)` : ''}`).join(' ');
      return wrapText(list, COLUMNS, ' '.repeat(lead.length), lead).replaceAll(NO_BREAK, ' ');
    }),
    '',
    'log, sequencer, compare: the first run warms up 6 x --warmup (at most 3 s, at least --warmup):',
    '  V8 is still compiling a fresh log\'s threads; --warmup 0 measures from cold.',
    'micro: each benchmark runs 0.4 x --duration after 0.4 x --warmup; tinybench samples give the spread.',
    'failover: --runs sets the number of kills (2 x runs + 1, at least 3) unless --kills is given.',
    'memory: fixed work (rounds of 1 M appends), not timed windows.',
    '',
    'Before running: the number of measurements and an estimate of the time, on stderr; then progress',
    'with the time left. stdout has a summary table; every figure (all percentiles, GC counts, RSS)',
    'is in --json and --report. Goals compare figures with the project\'s targets: a goal not met is',
    'reported, not an error. Exit codes: 0 done (goals met or not), 1 a benchmark failed or the',
    'report could not be written, 2 a command-line mistake.',
  ].join('\n');
}
