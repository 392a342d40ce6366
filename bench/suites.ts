import type { Suite } from './lib/suite.js';

/**
 * Every suite the CLI knows, by name, loaded only when chosen: `--help` and a mistyped suite
 * answer without loading any benchmark code, and a suite that fails to load cannot break the
 * others. `all` runs every other suite, in this order.
 */
export const suites: ReadonlyMap<string, () => Promise<Suite>> = new Map([
  ['mailbox', async () => (await import('./mailbox/suite.js')).mailboxSuite],
  ['log', async () => (await import('./log/suite.js')).logSuite],
  ['sequencer', async () => (await import('./sequencer/suite.js')).sequencerSuite],
  ['failover', async () => (await import('./failover/suite.js')).failoverSuite],
  ['compare', async () => (await import('./compare/suite.js')).compareSuite],
  ['memory', async () => (await import('./memory/suite.js')).memorySuite],
  ['micro', async () => (await import('./micro/suite.js')).microSuite],
  ['all', async () => (await import('./all/suite.js')).allSuite],
]);
