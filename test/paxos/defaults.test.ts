// One set of proposer defaults: the core's (PROPOSER_DEFAULTS) are the log's, so the core run on
// its own behaves as the log does; and one rule for the acceptor count, in the core and the options.
import { describe, expect, it } from 'vitest';
import { ACCEPTOR_COUNT_MAX, PROPOSER_DEFAULTS, Proposer, Ready, checkAcceptorCount } from 'synod/paxos';
import { resolveLogOptions } from '../../src/log/options.js';

describe('proposer defaults', () => {
  it("are the log's: election timeout, heartbeat, slot size and window", () => {
    const resolved = resolveLogOptions();
    expect(resolved.electionTimeoutMs).toBe(PROPOSER_DEFAULTS.electionTimeoutMs);
    expect(resolved.heartbeatIntervalMs).toBe(PROPOSER_DEFAULTS.heartbeatIntervalMs);
    expect(resolved.batchCommandsMax).toBe(PROPOSER_DEFAULTS.batchCommandsMax);
    expect(resolved.windowSlotsMax).toBe(PROPOSER_DEFAULTS.windowSlotsMax);
    expect(PROPOSER_DEFAULTS.heartbeatIntervalMs).toBeLessThan(PROPOSER_DEFAULTS.electionTimeoutMs);
  });

  it('are what a proposer built without timings runs with: it campaigns within [t, 2t) of the default election timeout', () => {
    const proposer = new Proposer({ id: 1, proposers: [1, 2], acceptors: [10, 11, 12], learners: [20], random: () => 0 });
    const ready = new Ready();
    proposer.tick(0, ready);
    proposer.tick(PROPOSER_DEFAULTS.electionTimeoutMs - 1, ready);
    expect(proposer.campaigns).toBe(0);
    proposer.tick(2 * PROPOSER_DEFAULTS.electionTimeoutMs, ready);
    expect(proposer.campaigns).toBe(1);
  });
});

describe('the acceptor count', () => {
  it('is odd and at most ACCEPTOR_COUNT_MAX, by one rule for the core and the options', () => {
    for (const count of [1, 3, ACCEPTOR_COUNT_MAX]) expect(() => checkAcceptorCount('acceptors', count)).not.toThrow();
    expect(() => checkAcceptorCount('acceptors', 4)).toThrow(/acceptors must be an odd count .* got 4/);
    expect(() => checkAcceptorCount('acceptors', ACCEPTOR_COUNT_MAX + 2)).toThrow(RangeError);
    expect(() => resolveLogOptions({ acceptors: 4 })).toThrow(/option acceptors must be an odd count .* got 4/);
    expect(resolveLogOptions({ acceptors: ACCEPTOR_COUNT_MAX }).acceptors).toBe(ACCEPTOR_COUNT_MAX);
    expect(() => resolveLogOptions({ acceptors: ACCEPTOR_COUNT_MAX + 2 })).toThrow(RangeError);
  });
});
