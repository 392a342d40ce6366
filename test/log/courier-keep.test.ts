// A message an acceptor's courier holds back (a full mailbox) may be sent long after its turn;
// an acceptor over shared memory keeps its entries' values as views of its store, which a
// compaction moves. So what it holds is a copy: every byte sent later is the byte it accepted.
import { describe, expect, it } from 'vitest';
import type { ActorContext } from '../../src/actors/index.js';
import { Courier } from '../../src/log/actors/courier.js';
import { withOwnEntries } from '../../src/log/actors/acceptor-actor.js';
import { MessageType, makeBallot } from '../../src/paxos/index.js';
import type { Message, PromiseMessage } from '../../src/paxos/index.js';

function fullMailboxes() {
  const sent: unknown[] = [];
  let room = false;
  const trySend = (_to: number, message: unknown): boolean => {
    if (room) sent.push(message);
    return room;
  };
  const context = { send: trySend, sendQuietly: trySend, setTimer: () => undefined } as unknown as ActorContext;
  return { context, sent, makeRoom: () => (room = true) };
}

describe("an acceptor's held replies", () => {
  it('hold copies of their entries: bytes changed after the hold do not reach the receiver', () => {
    const { context, sent, makeRoom } = fullMailboxes();
    const courier = new Courier(context, undefined, withOwnEntries);
    const store = new Uint8Array(new SharedArrayBuffer(64)).fill(7);
    const promise: PromiseMessage = {
      type: MessageType.Promise,
      from: 2,
      ballot: makeBallot(3, 1),
      logStart: 0,
      entries: [{ slot: 0, ballot: makeBallot(2, 1), value: store.subarray(8, 40) }],
      part: 0,
      parts: 1,
    };
    const accepted: Message = { type: MessageType.Accepted, from: 2, ballot: makeBallot(3, 1), slot: 4 };
    courier.send(1, promise);
    courier.send(1, accepted);
    store.fill(0xee); // a compaction reuses the place
    makeRoom();
    courier.retry();
    expect(sent).toHaveLength(2);
    const held = sent[0] as PromiseMessage;
    expect(held).toMatchObject({ type: MessageType.Promise, from: 2, ballot: promise.ballot, part: 0, parts: 1 });
    expect(held.entries[0]!.value).toEqual(new Uint8Array(32).fill(7));
    // A message with no entries goes as it was.
    expect(sent[1]).toBe(accepted);
  });

  it('without the copy, the receiver would get the bytes as they are at the send (the hazard this guards)', () => {
    const { context, sent, makeRoom } = fullMailboxes();
    const courier = new Courier(context);
    const store = new Uint8Array(new SharedArrayBuffer(64)).fill(7);
    courier.send(1, { type: MessageType.CatchUpReply, from: 2, logStart: 0, entries: [{ slot: 0, ballot: 1, value: store.subarray(0, 8) }] });
    store.fill(0xee);
    makeRoom();
    courier.retry();
    expect((sent[0] as { entries: Array<{ value: Uint8Array }> }).entries[0]!.value).toEqual(new Uint8Array(8).fill(0xee));
  });
});
