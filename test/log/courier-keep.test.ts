// A message an acceptor's courier holds back (a full mailbox) may be sent long after its turn;
// an acceptor over shared memory keeps its entries' values as views of its store, which a
// compaction moves. So what it holds is a copy: every byte sent later is the byte it accepted.
import { describe, expect, it } from 'vitest';
import type { ActorContext } from '../../src/actors/index.js';
import { Courier } from '../../src/log/actors/courier.js';
import { withOwnEntries } from '../../src/log/actors/acceptor-actor.js';
import { keepHeldAccept } from '../../src/log/actors/proposer-actor.js';
import { MessageType, makeBallot } from '../../src/paxos/index.js';
import type { AcceptMessage, Message, PromiseMessage } from '../../src/paxos/index.js';

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

describe("a proposer's held Accepts", () => {
  it('hold a copy of a value that lies in the proposer\'s slab (kept only while its slot is in flight), and heap values as they are', () => {
    const { context, sent, makeRoom } = fullMailboxes();
    const courier = new Courier(context, undefined, keepHeldAccept);
    const slab = new Uint8Array(new SharedArrayBuffer(64)).fill(7);
    const inSlab: AcceptMessage = { type: MessageType.Accept, from: 0, ballot: makeBallot(3, 0), slot: 9, value: slab.subarray(8, 40) };
    const onHeap: AcceptMessage = { type: MessageType.Accept, from: 0, ballot: makeBallot(3, 0), slot: 10, value: new Uint8Array(16).fill(5) };
    const heartbeat: Message = { type: MessageType.Heartbeat, from: 0, ballot: makeBallot(3, 0), chosenBelow: 0, gcBelow: 0 };
    courier.send(2, inSlab);
    courier.send(2, onHeap);
    courier.send(2, heartbeat);
    slab.fill(0xee); // the slot was chosen meanwhile, and the slab wrote over its bytes
    makeRoom();
    courier.retry();
    expect(sent).toHaveLength(3);
    expect(sent[0]).toMatchObject({ type: MessageType.Accept, slot: 9, ballot: inSlab.ballot });
    expect((sent[0] as AcceptMessage).value).toEqual(new Uint8Array(32).fill(7));
    expect(sent[1]).toBe(onHeap);
    expect(sent[2]).toBe(heartbeat);
  });
});

describe("a courier's retries", () => {
  it('send what was held, in order, once there is room, and try nothing while nothing is held', () => {
    const { context, sent, makeRoom } = fullMailboxes();
    let attempts = 0;
    const counting = {
      ...context,
      send: (to: number, message: unknown) => {
        attempts++;
        return (context.send as (to: number, message: unknown) => boolean)(to, message);
      },
    } as unknown as ActorContext;
    const courier = new Courier(counting);
    courier.retry();
    expect(attempts).toBe(0);
    courier.send(1, 'a');
    courier.send(1, 'b'); // queued behind 'a' without an attempt of its own
    courier.send(2, 'c');
    expect(attempts).toBe(2);
    courier.retry(); // still full
    expect(attempts).toBe(4);
    expect(courier.queued).toBe(3);
    makeRoom();
    courier.retry();
    expect(sent).toEqual(['a', 'b', 'c']);
    expect(courier.queued).toBe(0);
    const afterDelivery = attempts;
    courier.retry(); // nothing held: no attempt
    courier.retry();
    expect(attempts).toBe(afterDelivery);
    courier.send(1, 'd');
    expect(sent).toEqual(['a', 'b', 'c', 'd']);
  });

  it('tell the owner each time held messages to a peer went in (its reader is behind, and reading), and not for a message sent at once', () => {
    const { context, makeRoom } = fullMailboxes();
    const progressed: number[] = [];
    const courier = new Courier(context, undefined, undefined, (to) => progressed.push(to));
    courier.send(1, 'a');
    courier.send(2, 'b');
    courier.retry(); // still full: nothing went in
    expect(progressed).toEqual([]);
    makeRoom();
    courier.retry();
    expect(progressed).toEqual([1, 2]);
    courier.send(1, 'c'); // at once: nothing was held
    courier.retry();
    expect(progressed).toEqual([1, 2]);
  });
});

describe('quiet sends', () => {
  function recordingContext() {
    const sends: Array<{ to: number; quiet: boolean }> = [];
    let room = true;
    const context = {
      send: (to: number) => (room ? (sends.push({ to, quiet: false }), true) : false),
      sendQuietly: (to: number) => (room ? (sends.push({ to, quiet: true }), true) : false),
      setTimer: () => undefined,
    } as unknown as ActorContext;
    return { context, sends, setRoom: (value: boolean) => (room = value) };
  }

  it('go quietly when sent at once, and loud once held: a held message comes after the wake it counted on', () => {
    const { context, sends, setRoom } = recordingContext();
    const courier = new Courier(context, (to) => to === 7);
    courier.send(7, { type: MessageType.Accept });
    courier.send(8, { type: MessageType.Accept });
    expect(sends).toEqual([
      { to: 7, quiet: true },
      { to: 8, quiet: false },
    ]);
    setRoom(false);
    courier.send(7, { type: MessageType.Accept });
    setRoom(true);
    courier.retry();
    expect(sends.at(-1)).toEqual({ to: 7, quiet: false });
  });
});
