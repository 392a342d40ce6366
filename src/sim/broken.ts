// Deliberately broken acceptors, to prove the checker can fail. Each break is one sentence of
// the acceptor's contract, violated:
//   - acceptBelowPromise: accepts an Accept whose ballot is below its promise;
//   - forgetPromiseOnRestart: after a crash, comes back without its promise;
//   - forgetAcceptedOnRestart: after a crash, comes back without what it accepted;
//   - promiseEqualBallot: promises a Prepare whose ballot equals its promise (so a restarted
//     proposer can reuse a ballot).
// The simulator must find each within a bounded number of seeds (test/sim/broken.test.ts).

import { Acceptor, EMPTY_ACCEPTOR_STATE, NO_BALLOT } from '../paxos/index.js';
import type { AcceptorConfig, AcceptorDurableState, Ballot, MemoryAcceptorStorage } from '../paxos/index.js';

export const ACCEPTOR_BREAKS = [
  'acceptBelowPromise',
  'forgetPromiseOnRestart',
  'forgetAcceptedOnRestart',
  'promiseEqualBallot',
] as const;
export type AcceptorBreak = (typeof ACCEPTOR_BREAKS)[number];

class AcceptsBelowPromise extends Acceptor {
  protected override admitsAccept(ballot: Ballot): boolean {
    return ballot !== NO_BALLOT;
  }
}

class PromisesEqualBallot extends Acceptor {
  protected override admitsPrepare(ballot: Ballot): boolean {
    return ballot >= this.promised;
  }
}

/** Build an acceptor, first start (restart = false) or after a crash, with an optional break. */
export function buildAcceptor(
  config: AcceptorConfig,
  storage: MemoryAcceptorStorage,
  restart: boolean,
  fault: AcceptorBreak | undefined,
): Acceptor {
  let durable: AcceptorDurableState = restart ? storage.load() : EMPTY_ACCEPTOR_STATE;
  if (restart && fault === 'forgetPromiseOnRestart') {
    storage.promised = NO_BALLOT;
    durable = { ...durable, promised: NO_BALLOT };
  }
  if (restart && fault === 'forgetAcceptedOnRestart') {
    storage.entries.clear();
    durable = { ...durable, entries: [] };
  }
  switch (fault) {
    case 'acceptBelowPromise':
      return new AcceptsBelowPromise(config, durable);
    case 'promiseEqualBallot':
      return new PromisesEqualBallot(config, durable);
    default:
      return new Acceptor(config, durable);
  }
}
