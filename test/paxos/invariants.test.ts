// The core's invariants are asserted where the state they constrain changes, and kept on: each
// check here is shown to catch a deliberate bug (a broken subclass, or a state a bug would leave)
// with an InvariantError carrying its code, while the correct core runs the same steps clean.
import { describe, expect, it } from 'vitest';
import { synodErrorCode } from 'synod';
import { Acceptor, InvariantError, MessageType, Proposer, Ready, encodeValue, makeBallot } from 'synod/paxos';
import type { Ballot, Message } from 'synod/paxos';

const ACCEPTORS = [10, 11, 12];

function prepare(ballot: Ballot): Message {
  return { type: MessageType.Prepare, from: 1, ballot, fromSlot: 0 };
}

/** An acceptor with the bug of promising any Prepare, however low its ballot. */
class PromisesAnything extends Acceptor {
  protected override admitsPrepare(): boolean {
    return true;
  }
}

function leader(): { proposer: Proposer; ready: Ready } {
  const proposer = new Proposer({ id: 1, proposers: [1, 2], acceptors: ACCEPTORS, learners: [20], random: () => 0 });
  const ready = new Ready();
  proposer.campaign(0, ready);
  for (const from of ACCEPTORS) proposer.step({ type: MessageType.Promise, from, ballot: proposer.ballot, logStart: 0, entries: [], part: 0, parts: 1 }, 0, ready);
  ready.clear();
  return { proposer, ready };
}

function command(seq: number): Uint8Array {
  return encodeValue([{ clientId: 7, seq, data: new Uint8Array([seq]) }]);
}

function expectInvariant(run: () => void, what: RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvariantError);
  expect((caught as InvariantError).message).toMatch(what);
  expect(synodErrorCode(caught)).toBe('ERR_SYNOD_INVARIANT');
}

describe('invariants of the protocol core', () => {
  it('an acceptor never lets its promise fall', () => {
    const ready = new Ready();
    const correct = new Acceptor({ id: 10, learners: [20] });
    correct.step(prepare(makeBallot(5, 1)), ready);
    correct.step(prepare(makeBallot(3, 1)), ready); // refused with a Nack, no throw
    expect(correct.promisedBallot).toBe(makeBallot(5, 1));
    const broken = new PromisesAnything({ id: 10, learners: [20] });
    broken.step(prepare(makeBallot(5, 1)), ready);
    expectInvariant(() => broken.step(prepare(makeBallot(3, 1)), ready), /acceptor 10: promise would fall/);
    expect(broken.promisedBallot).toBe(makeBallot(5, 1));
  });

  it('a leader never issues one slot twice in its ballot', () => {
    const { proposer, ready } = leader();
    proposer.enqueueCommands(command(1), ready);
    proposer.fill(0, ready);
    expect(proposer.nextSlot).toBe(1);
    // The state a bug would leave: the next slot moved back under a slot still in flight.
    (proposer as unknown as { window: { nextSlotValue: number } }).window.nextSlotValue = 0;
    proposer.enqueueCommands(command(2), ready);
    expectInvariant(() => proposer.fill(0, ready), /proposer 1: slot 0 issued twice/);
  });

  it('a leader never announces as chosen more than it issued', () => {
    const { proposer, ready } = leader();
    proposer.enqueueCommands(command(1), ready);
    proposer.fill(0, ready);
    (proposer as unknown as { window: { chosenBelowValue: number } }).window.chosenBelowValue = 5;
    const accepted = (from: number): Message => ({ type: MessageType.Accepted, from, ballot: proposer.ballot, slot: 0 });
    proposer.step(accepted(10), 0, ready);
    expectInvariant(() => proposer.step(accepted(11), 0, ready), /chosenBelow 5 above nextSlot 1/);
  });
});
