/**
 * Every option the bench CLI knows, in one table: the parser, the typo suggestions, the
 * per-suite applicability check and the usage text all read it, so a new option is one row here.
 */
export const OPTION_SPECS = {
  duration: { takesValue: true, value: '<s>', help: 'measured seconds per measurement' },
  warmup: { takesValue: true, value: '<s>', help: 'warm-up seconds before each measurement' },
  runs: { takesValue: true, value: '<n>', help: 'repetitions of every measurement; the median is reported' },
  json: { takesValue: false, value: '', help: 'print every figure as one JSON object on stdout (progress stays on stderr)' },
  report: { takesValue: true, value: '<file>', help: 'also write a self-contained HTML report with charts' },
  concurrency: { takesValue: true, value: '<list>', help: 'in flight over all load threads, e.g. 1,16,256' },
  'entry-bytes': { takesValue: true, value: '<list>', help: 'entry sizes in bytes, e.g. 16,1024' },
  acceptors: { takesValue: true, value: '<list>', help: 'acceptor counts, odd, e.g. 3,5' },
  storage: { takesValue: true, value: '<list>', help: 'memory and/or file; file: a temp dir, fsync batch' },
  kills: { takesValue: true, value: '<n>', help: 'leader kills' },
  'load-threads': { takesValue: true, value: '<n>', help: 'load threads, at most' },
  help: { takesValue: false, value: '', help: 'this text' },
} as const satisfies Record<string, { takesValue: boolean; value: string; help: string }>;

export type OptionName = keyof typeof OPTION_SPECS;

export const OPTION_NAMES = Object.keys(OPTION_SPECS) as OptionName[];

/** Short forms: only -h, as most CLIs have it. */
export const SHORT_OPTIONS: Readonly<Record<string, OptionName>> = { h: 'help' };

/** Options every suite takes: output and help never change what is measured. */
export const UNIVERSAL_OPTIONS: readonly OptionName[] = ['json', 'report', 'help'];

export function isOptionName(name: string): name is OptionName {
  return Object.hasOwn(OPTION_SPECS, name);
}
