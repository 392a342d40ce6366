// Invariants of the protocol core, asserted where the state they constrain changes, and kept on
// in production: a role whose state breaks Paxos must stop (its worker crashes, its supervisor
// restarts it from what it persisted) rather than go on and answer from that state. The checks
// are comparisons of numbers already at hand; the message is built only when one fails.
import { SynodErrorCode, withCode } from '../error-codes.js';

/** A broken invariant of the protocol core: a bug in synod, never bad input. */
export class InvariantError extends Error {
  readonly code = SynodErrorCode.Invariant;
  constructor(readonly what: string) {
    super(withCode(`protocol invariant broken: ${what}`, SynodErrorCode.Invariant));
    this.name = 'InvariantError';
  }
}

/** Throws InvariantError for `what` (call it only once the check failed, so the text costs nothing otherwise). */
export function invariantBroken(what: string): never {
  throw new InvariantError(what);
}
