// An Acceptor persisting through DurableAcceptorStorage keeps its word across a crash: the
// restarted one refuses ballots below its promise and reports what it accepted.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Acceptor, MessageType, Ready, decodeValue, encodeValue, makeBallot, persistReady } from 'synod/paxos';
import type { Message, NackMessage, PromiseMessage, Value } from 'synod/paxos';
import { DurableAcceptorStorage } from 'synod/storage';
import { BACKENDS } from './backends.js';
import type { Backend } from './backends.js';

const A = 10;
const config = { id: A, learners: [20] };
const b = (round: number, proposer: number) => makeBallot(round, proposer);
const v = (text: string): Value => encodeValue([{ clientId: 7, seq: 1, data: new TextEncoder().encode(text) }]);
const prepare = (ballot: number, fromSlot = 0): Message => ({ type: MessageType.Prepare, from: ballot % 65536, ballot, fromSlot });
const accept = (ballot: number, slot: number, value: Value): Message => ({ type: MessageType.Accept, from: ballot % 65536, ballot, slot, value });
const heartbeat = (ballot: number, gcBelow: number): Message => ({ type: MessageType.Heartbeat, from: ballot % 65536, ballot, chosenBelow: gcBelow, gcBelow });

describe.each(BACKENDS)('Acceptor restarted from DurableAcceptorStorage over $name', ({ make }) => {
  let backend: Backend;
  beforeEach(() => {
    backend = make();
  });
  afterEach(() => backend.dispose());

  /** The caller's contract for one batch: step all, persist all, sync once, then the replies may leave. */
  function runBatch(acceptor: Acceptor, storage: DurableAcceptorStorage, messages: readonly Message[]): Message[] {
    const ready = new Ready();
    const replies: Message[] = [];
    for (const msg of messages) {
      acceptor.step(msg, ready);
      if (ready.hasPersist()) persistReady(storage, ready);
      replies.push(...ready.send.toArray().map((envelope) => envelope.msg));
      ready.clear();
    }
    storage.sync();
    return replies;
  }

  it('refuses ballots below its promise and reports its accepted values in a Promise', () => {
    let storage = new DurableAcceptorStorage(backend.open());
    let acceptor = new Acceptor(config, storage.load());
    runBatch(acceptor, storage, [prepare(b(1, 1)), accept(b(1, 1), 0, v('zero')), accept(b(1, 1), 1, v('one'))]);
    runBatch(acceptor, storage, [prepare(b(2, 2)), accept(b(2, 2), 1, v('one by 2')), accept(b(2, 2), 2, v('two')), heartbeat(b(2, 2), 1)]);
    runBatch(acceptor, storage, [prepare(b(3, 1))]); // promised, nothing accepted under it
    // Not synced: this acceptance never happened as far as anyone was told.
    acceptor.step(accept(b(3, 1), 3, v('three')), new Ready());

    // crash: a new Acceptor from what the store holds
    storage = new DurableAcceptorStorage(backend.open());
    acceptor = new Acceptor(config, storage.load());
    expect(acceptor.promisedBallot).toBe(b(3, 1));
    expect(acceptor.firstSlot).toBe(1);

    const refused = runBatch(acceptor, storage, [prepare(b(2, 2)), prepare(b(3, 1)), accept(b(2, 2), 5, v('late'))]);
    expect(refused.map((msg) => msg.type)).toEqual([MessageType.Nack, MessageType.Nack, MessageType.Nack]);
    expect(refused.map((msg) => (msg as NackMessage).promised)).toEqual([b(3, 1), b(3, 1), b(3, 1)]);

    const [promise] = runBatch(acceptor, storage, [prepare(b(4, 2))]);
    expect(promise!.type).toBe(MessageType.Promise);
    const { logStart, entries } = promise as PromiseMessage;
    expect(logStart).toBe(1);
    expect(entries.map((e) => [e.slot, e.ballot, new TextDecoder().decode(decodeValue(e.value)[0]!.data)])).toEqual([
      [1, b(2, 2), 'one by 2'],
      [2, b(2, 2), 'two'],
    ]);

    // and the promise it just made survives the next crash too
    expect(new Acceptor(config, new DurableAcceptorStorage(backend.open()).load()).promisedBallot).toBe(b(4, 2));
  });
});
