import { UsageError, type BenchOptions } from './args.js';
import { UNIVERSAL_OPTIONS, type OptionName } from './option-specs.js';

export interface Applicability {
  readonly accepts: readonly OptionName[];
  readonly oneValue?: readonly OptionName[];
}

/**
 * Refuses, before anything runs, an option the chosen suite would ignore: a silently ignored
 * `--entry-bytes` makes a run look like it measured something it did not.
 */
export function checkApplicable(suite: string, entry: Applicability, given: ReadonlySet<OptionName>, options: BenchOptions): void {
  for (const name of given) {
    if (UNIVERSAL_OPTIONS.includes(name) || entry.accepts.includes(name)) continue;
    const takes = entry.accepts.length === 0 ? 'only --json and --report' : `${entry.accepts.map((o) => `--${o}`).join(', ')} (and --json, --report)`;
    throw new UsageError(`--${name} does not apply to suite '${suite}'; ${suite} takes ${takes}`);
  }
  for (const name of entry.oneValue ?? []) {
    const values = listValues(name, options);
    if (values !== undefined && values.length > 1) throw new UsageError(`suite '${suite}' takes one --${name} value, got ${values.join(',')}`);
  }
}

/** The values a list option was given, for the one-value check (only --concurrency is declared one-value today). */
function listValues(name: OptionName, options: BenchOptions): readonly (number | string)[] | undefined {
  const grid = options.grid;
  if (name === 'concurrency') return grid?.concurrency;
  if (name === 'entry-bytes') return grid?.entryBytes;
  if (name === 'acceptors') return grid?.acceptors;
  if (name === 'storage') return grid?.storage;
  return undefined;
}

/**
 * For `all`: which of the given options reach which suites, printed before the run, since `all`
 * takes an option when any of its suites does. Only options that some suite does not take are listed.
 */
export function describeReach(given: ReadonlySet<OptionName>, suites: ReadonlyArray<readonly [string, Applicability]>): string[] {
  const lines: string[] = [];
  for (const name of given) {
    if (UNIVERSAL_OPTIONS.includes(name)) continue;
    const reached = suites.filter(([, entry]) => entry.accepts.includes(name));
    if (reached.length === suites.length) continue;
    const one = reached.filter(([, entry]) => entry.oneValue?.includes(name)).map(([suite]) => suite);
    lines.push(`  --${name} applies to ${reached.map(([suite]) => suite).join(', ')}${one.length > 0 ? ` (${one.join(' and ')}: the last value)` : ''}`);
  }
  return lines;
}
