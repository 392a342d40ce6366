// The acceptor's rules, one test per sentence of the contract.
import { describe, expect, it } from 'vitest';
import {
  Acceptor,
  MemoryAcceptorStorage,
  MessageType,
  NO_BALLOT,
  NOOP,
  Ready,
  makeBallot,
  persistReady,
  ACCEPTED_ENTRY_OVERHEAD_BYTES,
  COMMAND_HEADER_BYTES,
  encodeValue,
} from 'synod/paxos';
import type { AcceptedEntry, CatchUpReplyMessage, Message, NackMessage, PromiseMessage, Value } from 'synod/paxos';

const P1 = 1;
const P2 = 2;
const A = 10;
const LEARNERS = [20, 21];
const b = (round: number, proposer: number): number => makeBallot(round, proposer);
const v = (text: string): Value => encodeValue([{ clientId: 7, seq: text.length, data: new TextEncoder().encode(text) }]);

function prepare(ballot: number, fromSlot = 0, from = ballot % 65536): Message {
  return { type: MessageType.Prepare, from, ballot, fromSlot };
}
function accept(ballot: number, slot: number, value: Value, from = ballot % 65536): Message {
  return { type: MessageType.Accept, from, ballot, slot, value };
}
function replies(ready: Ready, type: number): Message[] {
  return ready.send.toArray().filter((envelope) => envelope.msg.type === type).map((envelope) => envelope.msg);
}

describe('acceptor', () => {
  it('promises a Prepare whose ballot is higher than any it promised', () => {
    const acceptor = new Acceptor({ id: A, learners: LEARNERS });
    const ready = new Ready();
    acceptor.step(prepare(b(1, P1)), ready);
    expect(replies(ready, MessageType.Promise)).toHaveLength(1);
    expect(ready.send.get(0).to).toBe(P1);
    expect(acceptor.promisedBallot).toBe(b(1, P1));
    ready.clear();
    acceptor.step(prepare(b(1, P2)), ready);
    expect(replies(ready, MessageType.Promise)).toHaveLength(1);
    expect(acceptor.promisedBallot).toBe(b(1, P2));
  });

  it('refuses a Prepare not above its promise, even an equal one, naming the ballot that beat it', () => {
    const acceptor = new Acceptor({ id: A, learners: LEARNERS });
    const ready = new Ready();
    acceptor.step(prepare(b(2, P2)), ready);
    ready.clear();
    acceptor.step(prepare(b(2, P1)), ready);
    const [lower] = replies(ready, MessageType.Nack) as NackMessage[];
    expect(lower).toMatchObject({ from: A, ballot: b(2, P1), promised: b(2, P2), slot: -1 });
    ready.clear();
    // Equal: a restarted proposer reusing its ballot must not complete phase 1 with it.
    acceptor.step(prepare(b(2, P2)), ready);
    expect(replies(ready, MessageType.Nack)).toHaveLength(1);
    expect(replies(ready, MessageType.Promise)).toHaveLength(0);
    expect(ready.hasPersist()).toBe(false);
  });

  it('accepts an Accept whose ballot is not lower than its promise, raising the promise', () => {
    const acceptor = new Acceptor({ id: A, learners: LEARNERS });
    const ready = new Ready();
    acceptor.step(prepare(b(1, P1)), ready);
    ready.clear();
    acceptor.step(accept(b(1, P1), 0, v('x')), ready); // equal to the promise
    expect(acceptor.acceptedAt(0)).toMatchObject({ slot: 0, ballot: b(1, P1) });
    ready.clear();
    acceptor.step(accept(b(3, P2), 1, v('y')), ready); // above the promise, without a Prepare
    expect(acceptor.acceptedAt(1)?.ballot).toBe(b(3, P2));
    expect(acceptor.promisedBallot).toBe(b(3, P2));
    expect(ready.promised).toBe(b(3, P2));
  });

  it('refuses an Accept below its promise, naming the promise, and keeps its state', () => {
    const acceptor = new Acceptor({ id: A, learners: LEARNERS });
    const ready = new Ready();
    acceptor.step(accept(b(1, P1), 0, v('old')), ready);
    acceptor.step(prepare(b(2, P2)), ready);
    ready.clear();
    acceptor.step(accept(b(1, P1), 0, v('new')), ready);
    expect(replies(ready, MessageType.Nack)[0]).toMatchObject({ ballot: b(1, P1), promised: b(2, P2), slot: 0 });
    expect(ready.send).toHaveLength(1);
    expect(ready.hasPersist()).toBe(false);
    expect(acceptor.acceptedAt(0)?.value).toEqual(v('old'));
  });

  it('tells the proposer and every learner what it accepted', () => {
    const acceptor = new Acceptor({ id: A, learners: LEARNERS });
    const ready = new Ready();
    acceptor.step(accept(b(1, P1), 4, v('x')), ready);
    const accepted = ready.send.toArray().filter((envelope) => envelope.msg.type === MessageType.Accepted);
    expect(accepted.map((envelope) => envelope.to).sort()).toEqual([P1, ...LEARNERS]);
    expect(accepted[0]!.msg).toEqual({ type: MessageType.Accepted, from: A, ballot: b(1, P1), slot: 4 });
  });

  it('one Prepare covers every slot from fromSlot on; the Promise carries what it accepted there', () => {
    const acceptor = new Acceptor({ id: A, learners: [] });
    const ready = new Ready();
    acceptor.step(accept(b(1, P1), 0, v('a')), ready);
    acceptor.step(accept(b(1, P1), 2, v('bb')), ready);
    acceptor.step(accept(b(1, P1), 5, NOOP), ready);
    ready.clear();
    acceptor.step(prepare(b(2, P2), 1), ready);
    const [promise] = replies(ready, MessageType.Promise) as PromiseMessage[];
    expect(promise!.entries.map((entry) => [entry.slot, entry.ballot])).toEqual([
      [2, b(1, P1)],
      [5, b(1, P1)],
    ]);
    expect(promise!.logStart).toBe(0);
  });

  it('hands promise and accepted state to storage before replies leave, and restarts from it', () => {
    const storage = new MemoryAcceptorStorage();
    let acceptor = new Acceptor({ id: A, learners: [] });
    const ready = new Ready();
    acceptor.step(prepare(b(2, P1)), ready);
    expect(ready.promised).toBe(b(2, P1));
    persistReady(storage, ready);
    ready.clear();
    acceptor.step(accept(b(2, P1), 3, v('kept')), ready);
    expect(ready.accepted.toArray()).toEqual([{ slot: 3, ballot: b(2, P1), value: v('kept') }]);
    persistReady(storage, ready);
    ready.clear();
    // Crash: the object is gone, storage is not.
    acceptor = new Acceptor({ id: A, learners: [] }, storage.load());
    expect(acceptor.promisedBallot).toBe(b(2, P1));
    expect(acceptor.acceptedAt(3)?.value).toEqual(v('kept'));
    acceptor.step(prepare(b(1, P2)), ready);
    expect(replies(ready, MessageType.Nack)).toHaveLength(1);
  });

  it('a retransmitted Accept is answered again without a second write', () => {
    const acceptor = new Acceptor({ id: A, learners: [] });
    const ready = new Ready();
    const msg = accept(b(1, P1), 0, v('x'));
    acceptor.step(msg, ready);
    ready.clear();
    acceptor.step(msg, ready);
    expect(ready.hasPersist()).toBe(false);
    expect(replies(ready, MessageType.Accepted)).toHaveLength(1);
  });

  it('drops the prefix every learner delivered and answers requests for it with logStart', () => {
    const storage = new MemoryAcceptorStorage();
    const acceptor = new Acceptor({ id: A, learners: [] });
    const ready = new Ready();
    for (let slot = 0; slot < 10; slot++) acceptor.step(accept(b(1, P1), slot, v(`s${slot}`)), ready);
    persistReady(storage, ready);
    ready.clear();
    acceptor.step({ type: MessageType.Heartbeat, from: P1, ballot: b(1, P1), chosenBelow: 10, gcBelow: 8 }, ready);
    expect(ready.truncateBelow).toBe(8);
    persistReady(storage, ready);
    expect(acceptor.logSize).toBe(2);
    expect(storage.entries.size).toBe(2);
    ready.clear();
    acceptor.step(prepare(b(2, P2), 0), ready);
    const [promise] = replies(ready, MessageType.Promise) as PromiseMessage[];
    expect(promise!.logStart).toBe(8);
    expect(promise!.entries.map((entry: AcceptedEntry) => entry.slot)).toEqual([8, 9]);
    ready.clear();
    acceptor.step({ type: MessageType.CatchUp, from: 20, fromSlot: 0, slotsMax: 100 }, ready);
    expect(replies(ready, MessageType.CatchUpReply)[0]).toMatchObject({ logStart: 8 });
    ready.clear();
    acceptor.step(accept(b(2, P2), 3, v('late')), ready); // below logStart: ignored
    expect(ready.send).toHaveLength(0);
  });

  it('a heartbeat is not a promise', () => {
    const acceptor = new Acceptor({ id: A, learners: [] });
    const ready = new Ready();
    acceptor.step({ type: MessageType.Heartbeat, from: P2, ballot: b(9, P2), chosenBelow: 0, gcBelow: 0 }, ready);
    expect(acceptor.promisedBallot).toBe(NO_BALLOT);
    expect(ready.hasPersist()).toBe(false);
  });

  it('catch-up replies are bounded by slotsMax', () => {
    const acceptor = new Acceptor({ id: A, learners: [], catchUpSlotsMax: 4 });
    const ready = new Ready();
    for (let slot = 0; slot < 10; slot++) acceptor.step(accept(b(1, P1), slot, v('x')), ready);
    ready.clear();
    acceptor.step({ type: MessageType.CatchUp, from: 20, fromSlot: 2, slotsMax: 100 }, ready);
    const reply = replies(ready, MessageType.CatchUpReply)[0]!;
    expect(reply.type === MessageType.CatchUpReply && reply.entries.map((entry) => entry.slot)).toEqual([2, 3, 4, 5]);
  });

  it('splits a Promise by bytes into numbered parts, each within replyBytesMax, one entry at least', () => {
    const replyBytesMax = 3 * (ACCEPTED_ENTRY_OVERHEAD_BYTES + 100);
    const acceptor = new Acceptor({ id: A, learners: LEARNERS, replyBytesMax });
    const ready = new Ready();
    const big = (slot: number): Value => encodeValue([{ clientId: slot, seq: 1, data: new Uint8Array(100 - COMMAND_HEADER_BYTES) }]);
    for (let slot = 0; slot < 7; slot++) acceptor.step(accept(b(1, P1), slot, big(slot)), ready);
    acceptor.step(accept(b(1, P1), 7, encodeValue([{ clientId: 9, seq: 1, data: new Uint8Array(2 * replyBytesMax) }])), ready);
    ready.clear();
    acceptor.step(prepare(b(2, P2)), ready);
    const parts = replies(ready, MessageType.Promise) as PromiseMessage[];
    expect(parts.map((part) => [part.part, part.parts, part.entries.map((entry) => entry.slot)])).toEqual([
      [0, 4, [0, 1, 2]],
      [1, 4, [3, 4, 5]],
      [2, 4, [6]],
      [3, 4, [7]], // larger than a part on its own: alone in one
    ]);
    ready.clear();
    acceptor.step({ type: MessageType.CatchUp, from: 20, fromSlot: 1, slotsMax: 100 }, ready);
    const [reply] = replies(ready, MessageType.CatchUpReply) as CatchUpReplyMessage[];
    expect(reply!.entries.map((entry) => entry.slot)).toEqual([1, 2, 3]);
  });

  it('tells a leader whose heartbeat ballot is below its promise, so a stale leader steps down', () => {
    const acceptor = new Acceptor({ id: A, learners: LEARNERS });
    const ready = new Ready();
    acceptor.step(prepare(b(2, P2)), ready);
    ready.clear();
    acceptor.step({ type: MessageType.Heartbeat, from: P1, ballot: b(1, P1), chosenBelow: 0, gcBelow: 0 }, ready);
    expect(replies(ready, MessageType.Nack)).toEqual([{ type: MessageType.Nack, from: A, ballot: b(1, P1), promised: b(2, P2), slot: -1 }]);
    ready.clear();
    acceptor.step({ type: MessageType.Heartbeat, from: P2, ballot: b(2, P2), chosenBelow: 0, gcBelow: 0 }, ready);
    expect(ready.send.toArray()).toEqual([]); // the promised leader's heartbeats are not refused
  });

  it('rejects bad configuration', () => {
    expect(() => new Acceptor({ id: -1, learners: [] })).toThrow(/id must be in \[0, 65535\], got -1/);
    expect(() => new Acceptor({ id: 1.5, learners: [] })).toThrow(TypeError);
    expect(() => new Acceptor({ id: 1, learners: [2, 2] })).toThrow(/twice/);
  });
});
