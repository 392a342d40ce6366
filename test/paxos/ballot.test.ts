import { describe, expect, it } from 'vitest';
import {
  NO_BALLOT,
  Quorum,
  ballotProposer,
  ballotRound,
  formatBallot,
  makeBallot,
  nextBallotAbove,
  popcount,
} from 'synod/paxos';

describe('ballots are totally ordered and unique per proposer', () => {
  it('packs (round, proposer id) into one comparable integer', () => {
    const ballot = makeBallot(7, 3);
    expect(ballot).toBe(7 * 65536 + 3);
    expect(ballotRound(ballot)).toBe(7);
    expect(ballotProposer(ballot)).toBe(3);
    expect(formatBallot(ballot)).toBe('7.3');
    expect(formatBallot(NO_BALLOT)).toBe('-');
  });

  it('orders by round first, then by proposer id', () => {
    expect(makeBallot(2, 1)).toBeGreaterThan(makeBallot(1, 65535));
    expect(makeBallot(1, 2)).toBeGreaterThan(makeBallot(1, 1));
    expect(makeBallot(1, 0)).toBeGreaterThan(NO_BALLOT);
  });

  it('two proposers never share a ballot', () => {
    const seen = new Set<number>();
    for (let round = 1; round <= 50; round++) for (let id = 0; id < 20; id++) seen.add(makeBallot(round, id));
    expect(seen.size).toBe(50 * 20);
  });

  it('nextBallotAbove gives the smallest ballot of that proposer above the given one', () => {
    expect(nextBallotAbove(NO_BALLOT, 4)).toBe(makeBallot(1, 4));
    expect(nextBallotAbove(makeBallot(3, 2), 4)).toBe(makeBallot(3, 4));
    expect(nextBallotAbove(makeBallot(3, 4), 4)).toBe(makeBallot(4, 4));
    expect(nextBallotAbove(makeBallot(3, 9), 4)).toBe(makeBallot(4, 4));
    for (let above = 0; above < 300_000; above += 7919) {
      const next = nextBallotAbove(above, 5);
      expect(next).toBeGreaterThan(above);
      expect(ballotProposer(next)).toBe(5);
    }
  });

  it('rejects rounds and ids out of range, naming the value and the limit', () => {
    expect(() => makeBallot(0, 1)).toThrow(RangeError);
    expect(() => makeBallot(1.5, 1)).toThrow(TypeError);
    expect(() => makeBallot(1, 65536)).toThrow(/65535.*65536/);
    expect(() => makeBallot(1, -1)).toThrow(RangeError);
    expect(() => makeBallot(1, 0.5)).toThrow(TypeError);
  });
});

describe('quorums', () => {
  it('a quorum is a strict majority, counted as a bitmask', () => {
    const quorum = new Quorum([10, 11, 12, 13, 14]);
    expect(quorum.size).toBe(3);
    const mask = quorum.bit(10) | quorum.bit(12);
    expect(quorum.isQuorum(mask)).toBe(false);
    expect(quorum.isQuorum(mask | quorum.bit(14))).toBe(true);
    expect(quorum.bit(99)).toBe(0);
  });

  it('refuses even, empty, oversized and duplicated acceptor sets', () => {
    expect(() => new Quorum([1, 2])).toThrow(/odd count.*got 2/);
    expect(() => new Quorum([])).toThrow(/at least 1.*got 0/);
    expect(() => new Quorum(Array.from({ length: 33 }, (_, i) => i))).toThrow(/at most 31/);
    expect(() => new Quorum([1, 1, 2])).toThrow(/twice/);
    expect(() => new Quorum([1, 2.5, 3])).toThrow(TypeError);
  });

  it('popcount counts bits', () => {
    expect(popcount(0)).toBe(0);
    expect(popcount(0b1011)).toBe(3);
    expect(popcount(0x7fffffff)).toBe(31);
  });
});
