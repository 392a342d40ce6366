// An acceptor stores a slot's value as the bytes it was sent and returns them unchanged, so no
// field of a command can be lost by a store. The case that was lost (issue 8): a sequencer's
// reservation (a command with count k) reloaded after an acceptor restart came back as one index,
// and a new leader re-proposed it as a different value than the one chosen.
import { Packr } from 'msgpackr';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Acceptor, MessageType, Proposer, Ready, decodeValue, encodeValue, makeBallot, persistReady } from 'synod/paxos';
import type { AcceptMessage, Message, PromiseMessage } from 'synod/paxos';
import { DurableAcceptorStorage } from 'synod/storage';
import { BACKENDS } from './backends.js';
import type { Backend } from './backends.js';

const ACCEPTORS = [10, 11, 12];
const LEARNERS = [20];
const ballot = makeBallot(1, 1);
const reservation = encodeValue([
  { clientId: 5, seq: 1, data: new Uint8Array(0), count: 1000 },
  { clientId: 6, seq: 3, data: new TextEncoder().encode('after'), count: 1 },
]);

describe.each(BACKENDS)('accepted values over $name', ({ make }) => {
  let backend: Backend;
  beforeEach(() => {
    backend = make();
  });
  afterEach(() => backend.dispose());

  function acceptAndRestart(): Acceptor {
    const storage = new DurableAcceptorStorage(backend.open());
    const acceptor = new Acceptor({ id: 10, learners: LEARNERS }, storage.load());
    const ready = new Ready();
    const accept: Message = { type: MessageType.Accept, from: 1, ballot, slot: 0, value: reservation };
    acceptor.step(accept, ready);
    persistReady(storage, ready);
    storage.sync();
    // crash, then restart from what the store holds
    return new Acceptor({ id: 10, learners: LEARNERS }, new DurableAcceptorStorage(backend.open()).load());
  }

  it('come back from the store byte for byte, count included', () => {
    const restarted = acceptAndRestart();
    const value = restarted.acceptedAt(0)!.value;
    expect(value).toEqual(reservation);
    expect(decodeValue(value).map((command) => command.count)).toEqual([1000, 1]);
  });

  it('a new leader re-proposes a reservation recovered from a restarted acceptor whole', () => {
    const restarted = acceptAndRestart();
    const proposer = new Proposer({ id: 2, proposers: [1, 2], acceptors: ACCEPTORS, learners: LEARNERS, random: () => 0.5 });
    const ready = new Ready();
    proposer.campaign(0, ready);
    const prepare = ready.send.toArray().find((envelope) => envelope.to === 10)!.msg;
    ready.clear();
    const acceptorReady = new Ready();
    restarted.step(prepare, acceptorReady);
    const promise = acceptorReady.send.get(0).msg as PromiseMessage;
    expect(promise.type).toBe(MessageType.Promise);
    proposer.step(promise, 1, ready);
    // A second acceptor that accepted nothing completes the majority.
    proposer.step({ type: MessageType.Promise, from: 11, ballot: proposer.ballot, logStart: 0, entries: [], part: 0, parts: 1 }, 1, ready);
    expect(proposer.isLeader).toBe(true);
    const accept = ready.send.toArray().find((envelope) => envelope.msg.type === MessageType.Accept)!.msg as AcceptMessage;
    expect(accept.slot).toBe(0);
    expect(accept.value).toEqual(reservation);
    expect(decodeValue(accept.value)[0]!.count).toBe(1000);
  });

  it('records written before values were bytes still replay (every command with count 1)', () => {
    const store = backend.open();
    const packr = new Packr({ useRecords: false });
    store.append(packr.pack([1, 4, ballot, 7, 2, new TextEncoder().encode('old')]));
    store.sync();
    const state = new DurableAcceptorStorage(backend.open()).load();
    expect(state.entries.map((entry) => entry.slot)).toEqual([4]);
    expect(decodeValue(state.entries[0]!.value)).toEqual([{ clientId: 7, seq: 2, count: 1, data: new TextEncoder().encode('old') }]);
  });
});
