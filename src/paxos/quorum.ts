// Majority quorums over a fixed acceptor set, counted as bitmasks of acceptor positions.
// One number per vote set: no Set allocation on the Accept hot path.

import { ACCEPTOR_COUNT_MAX, checkNodeIds } from './ids.js';
import type { NodeId } from './ids.js';

/**
 * The rule for how many acceptors a cluster has, for the core and the log's options alike: an odd
 * count of at most ACCEPTOR_COUNT_MAX (a vote set is a bitmask). An even count buys no extra fault
 * tolerance over the odd count below it and makes every quorum larger; refusing it catches a
 * miscounted configuration early. `what` names the count in the RangeError.
 */
export function checkAcceptorCount(what: string, count: number): void {
  if (count > ACCEPTOR_COUNT_MAX) throw new RangeError(`${what} must number at most ${ACCEPTOR_COUNT_MAX}, got ${count}`);
  if (count % 2 === 0) {
    throw new RangeError(`${what} must be an odd count (1, 3, 5, ...: a majority of ${count} tolerates no more crashes than of ${count - 1}), got ${count}`);
  }
}

export class Quorum {
  readonly acceptors: readonly NodeId[];
  /** Votes needed: a strict majority, so any two quorums share an acceptor. */
  readonly size: number;
  private readonly positionById = new Map<NodeId, number>();

  constructor(acceptors: readonly NodeId[]) {
    checkNodeIds('acceptors', acceptors);
    checkAcceptorCount('acceptors', acceptors.length);
    this.acceptors = [...acceptors];
    this.size = (acceptors.length >> 1) + 1;
    acceptors.forEach((id, position) => this.positionById.set(id, position));
  }

  /** The bit for an acceptor, or 0 for a node that is not one of ours (its vote is ignored). */
  bit(acceptor: NodeId): number {
    const position = this.positionById.get(acceptor);
    return position === undefined ? 0 : 1 << position;
  }

  isQuorum(mask: number): boolean {
    return popcount(mask) >= this.size;
  }
}

export function popcount(mask: number): number {
  let v = mask - ((mask >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
