import type { Suite } from './lib/suite.js';

/**
 * Every suite the CLI knows, by name, loaded only when chosen: `--help` and a mistyped suite
 * answer without loading any benchmark code, and a suite that fails to load cannot break the
 * others. Issue 5 adds log, sequencer, failover, compare and all here.
 */
export const suites: ReadonlyMap<string, () => Promise<Suite>> = new Map([
  ['mailbox', async () => (await import('./mailbox/suite.js')).mailboxSuite],
]);
