// Ballots: totally ordered, unique per proposer.
//
// A ballot is the pair (round, proposer id) packed into one safe integer,
//   ballot = round * 2^16 + proposerId,
// so comparing ballots is comparing numbers (no allocation, msgpack-friendly), ties between
// proposers are impossible (the id is part of the number), and a higher round always wins.
// Round 0 is reserved: ballot 0 (NO_BALLOT) means "none" and is below every real ballot.
// Rounds go up to 2^37 - 1, far beyond anything a cluster will reach.

import { NODE_ID_LIMIT, checkNodeId } from './ids.js';
import type { NodeId } from './ids.js';

export type Ballot = number;

export const NO_BALLOT: Ballot = 0;

/** Largest round that keeps the packed ballot a safe integer. */
export const ROUND_MAX = Math.floor(Number.MAX_SAFE_INTEGER / NODE_ID_LIMIT) - 1;

export function makeBallot(round: number, proposerId: NodeId): Ballot {
  if (typeof round !== 'number' || !Number.isInteger(round)) {
    throw new TypeError(`round must be an integer, got ${String(round)}`);
  }
  if (round < 1 || round > ROUND_MAX) throw new RangeError(`round must be in [1, ${ROUND_MAX}], got ${round}`);
  checkNodeId('proposerId', proposerId);
  return round * NODE_ID_LIMIT + proposerId;
}

export function ballotRound(ballot: Ballot): number {
  return Math.floor(ballot / NODE_ID_LIMIT);
}

export function ballotProposer(ballot: Ballot): NodeId {
  return ballot % NODE_ID_LIMIT;
}

/** The smallest ballot owned by `proposerId` that is strictly above `above`. */
export function nextBallotAbove(above: Ballot, proposerId: NodeId): Ballot {
  const round = Math.max(1, ballotRound(above));
  const sameRound = makeBallot(round, proposerId);
  return sameRound > above ? sameRound : makeBallot(round + 1, proposerId);
}

/** "round.proposer", or "-" for NO_BALLOT; for traces. */
export function formatBallot(ballot: Ballot): string {
  return ballot === NO_BALLOT ? '-' : `${ballotRound(ballot)}.${ballotProposer(ballot)}`;
}
