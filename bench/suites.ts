import type { OptionName } from './lib/option-specs.js';
import type { Suite } from './lib/suite.js';

/**
 * One suite the CLI knows. What it accepts is declared here, not in the suite's module, so that
 * `--help` and a refused option answer without loading any benchmark code.
 */
export interface SuiteEntry {
  /** One line for the usage text. */
  readonly summary: string;
  /** Options that change what this suite measures; --json, --report and --help apply to every suite. */
  readonly accepts: readonly OptionName[];
  /** Options this suite takes one value of, where others take a list. */
  readonly oneValue?: readonly OptionName[];
  readonly load: () => Promise<Suite>;
}

const TIMING: readonly OptionName[] = ['duration', 'warmup', 'runs'];

/** The suites `all` runs, in order: the cheap ones first, etcd last (micro is not in it). */
export const ALL_SUITES = ['mailbox', 'log', 'memory', 'sequencer', 'failover', 'compare'];

const ownSuites = new Map<string, SuiteEntry>([
  ['mailbox', { summary: 'the mailbox vs postMessage vs a bare ring: one-way rate, round-trip latency', accepts: TIMING, load: async () => (await import('./mailbox/suite.js')).mailboxSuite }],
  [
    'log',
    {
      summary: 'committed appends/s and latency over in flight x entry size x acceptors x storage',
      accepts: [...TIMING, 'concurrency', 'entry-bytes', 'acceptors', 'storage', 'load-threads'],
      load: async () => (await import('./log/suite.js')).logSuite,
    },
  ],
  [
    'sequencer',
    {
      summary: 'Sequencer.next(): numbers/s and latency with 1 and 4 client threads',
      accepts: [...TIMING, 'concurrency'],
      oneValue: ['concurrency'],
      load: async () => (await import('./sequencer/suite.js')).sequencerSuite,
    },
  ],
  [
    'failover',
    {
      summary: 'the leader killed under load, again and again: the pause to the next commit',
      // --runs sets the number of kills (2 x runs + 1, at least 3) when --kills is not given.
      accepts: [...TIMING, 'concurrency', 'kills'],
      oneValue: ['concurrency'],
      load: async () => (await import('./failover/suite.js')).failoverSuite,
    },
  ],
  [
    'compare',
    {
      summary: 'synod vs a three-member etcd on loopback, the same closed loop (needs etcd)',
      accepts: [...TIMING, 'concurrency', 'load-threads'],
      load: async () => (await import('./compare/suite.js')).compareSuite,
    },
  ],
  [
    'memory',
    {
      summary: 'process RSS per 16-byte entry, in memory and with storage.dir, and with trim',
      accepts: ['storage'],
      load: async () => (await import('./memory/suite.js')).memorySuite,
    },
  ],
  [
    'micro',
    {
      summary: 'tinybench on one thread: value encode/decode, slots, ring write+drain, msgpackr',
      accepts: ['duration', 'warmup'],
      load: async () => (await import('./micro/suite.js')).microSuite,
    },
  ],
]);

/** `all` passes the same options to every suite it runs, so it takes any option one of them takes. */
const allAccepts = [...new Set(ALL_SUITES.flatMap((name) => ownSuites.get(name)!.accepts))];

/** Every suite the CLI knows, by name, in usage order; loaded only when chosen, so one that fails to load cannot break the others. */
export const suites: ReadonlyMap<string, SuiteEntry> = new Map([
  ...ownSuites,
  ['all', { summary: `every suite but micro: ${ALL_SUITES.join(', ')}`, accepts: allAccepts, load: async () => (await import('./all/suite.js')).allSuite }],
]);
