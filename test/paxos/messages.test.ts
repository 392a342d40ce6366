import { pack, unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { MESSAGE_TYPE_NAMES, MessageType, encodeValue, makeBallot } from 'synod/paxos';
import type { Message } from 'synod/paxos';

/** msgpackr decodes binary as Buffer (a Uint8Array subclass); compare as plain Uint8Array. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plain(item)]));
  }
  return value;
}

describe('messages', () => {
  it('are plain data that survives a msgpack round trip', () => {
    const value = encodeValue([{ clientId: 3, seq: 9, data: new Uint8Array([1, 2, 3]) }]);
    const messages: Message[] = [
      { type: MessageType.Prepare, from: 1, ballot: makeBallot(4, 1), fromSlot: 17 },
      { type: MessageType.Promise, from: 10, ballot: makeBallot(4, 1), logStart: 3, entries: [{ slot: 17, ballot: makeBallot(2, 2), value }], part: 0, parts: 1 },
      { type: MessageType.Accept, from: 1, ballot: makeBallot(4, 1), slot: 18, value },
      { type: MessageType.Accepted, from: 10, ballot: makeBallot(4, 1), slot: 18 },
      { type: MessageType.Nack, from: 10, ballot: makeBallot(4, 1), promised: makeBallot(5, 2), slot: -1 },
      { type: MessageType.Heartbeat, from: 1, ballot: makeBallot(4, 1), chosenBelow: 18, gcBelow: 10 },
      { type: MessageType.ClientRequest, from: 30, command: { clientId: 3, seq: 9, data: new Uint8Array([1, 2, 3]) } },
      { type: MessageType.Redirect, from: 1, clientId: 3, seq: 9, leaderHint: -1 },
      { type: MessageType.CatchUp, from: 20, fromSlot: 5, slotsMax: 64 },
      { type: MessageType.CatchUpReply, from: 10, logStart: 0, entries: [] },
      { type: MessageType.LearnerProgress, from: 20, deliveredBelow: 9 },
      { type: MessageType.ClientReply, from: 20, clientId: 3, seq: 9, logIndex: 41 },
    ];
    for (const msg of messages) {
      const decoded = unpack(pack(msg)) as Message;
      expect(plain(decoded)).toEqual(msg);
      expect(MESSAGE_TYPE_NAMES[decoded.type]).toBeDefined();
    }
    expect(new Set(messages.map((msg) => msg.type)).size).toBe(Object.keys(MessageType).length);
  });
});
