// A learner keeps Accepts' values as views of the leader's value slab until their slots are
// delivered (src/log/actors/learner-slab-values.ts): what it keeps per message, and what it does
// when something kept lags too far behind its ring (copies it out, then lets go of everything).
import { describe, expect, it } from 'vitest';
import { Learner, MessageType, Ready, encodeValue, makeBallot } from 'synod/paxos';
import type { Command, Message } from 'synod/paxos';
import type { ActorContext } from 'synod/actors';
import { keptValuesSlot, releaseDeliveredValues } from '../../src/log/actors/learner-slab-values.js';

const ACCEPTORS = [10, 11, 12];
const B1 = makeBallot(1, 1);
const cmd = (clientId: number, seq: number, bytes: number): Command => ({ clientId, seq, data: new Uint8Array(bytes).fill(seq) });

/** `value` placed in shared memory, as the decoder hands a learner a value of its sender's slab. */
function inSharedMemory(value: Uint8Array): Uint8Array {
  const shared = new Uint8Array(new SharedArrayBuffer(value.byteLength + 16), 8, value.byteLength);
  shared.set(value);
  return shared;
}

/** A context whose releaseSlabValues answers from `answers` in turn, recording each call. */
function fakeContext(answers: boolean[]): { context: ActorContext; calls: number[] } {
  const calls: number[] = [];
  const context = {
    releaseSlabValues(belowKey: number): boolean {
      calls.push(belowKey);
      return answers.shift() ?? true;
    },
  } as unknown as ActorContext;
  return { context, calls };
}

describe('learner slab values', () => {
  it('keeps an Accept\'s value up to its slot, a catch-up reply\'s up to its last entry, and nothing of other messages', () => {
    const value = encodeValue([cmd(1, 1, 8)]);
    expect(keptValuesSlot({ type: MessageType.Accept, from: 1, ballot: B1, slot: 41, value } as Message)).toBe(41);
    const reply = { type: MessageType.CatchUpReply, from: 10, logStart: 0, entries: [{ slot: 7, ballot: B1, value }, { slot: 9, ballot: B1, value }, { slot: 8, ballot: B1, value }] };
    expect(keptValuesSlot(reply as Message)).toBe(9);
    expect(keptValuesSlot({ type: MessageType.CatchUpReply, from: 10, logStart: 0, entries: [] } as Message)).toBe(-1);
    expect(keptValuesSlot({ type: MessageType.Heartbeat, from: 1, ballot: B1, chosenBelow: 3 } as Message)).toBe(-1);
  });

  it('lets go below the next slot at the end of a turn, and copies out what it keeps when told it lags too far', () => {
    const learner = new Learner({ id: 20, acceptors: ACCEPTORS, proposers: [1] });
    const ready = new Ready();
    // Slot 0 is chosen and delivered; slot 1 waits for votes with its value in shared memory.
    learner.step({ type: MessageType.Accept, from: 1, ballot: B1, slot: 0, value: inSharedMemory(encodeValue([cmd(1, 1, 2000)])) }, 0, ready);
    for (const from of [10, 11]) learner.step({ type: MessageType.Accepted, from, ballot: B1, slot: 0 }, 0, ready);
    expect(ready.delivered).toHaveLength(1);
    ready.clear();
    const kept = inSharedMemory(encodeValue([cmd(2, 1, 3000)]));
    learner.step({ type: MessageType.Accept, from: 1, ballot: B1, slot: 1, value: kept }, 0, ready);

    const within = fakeContext([true]);
    releaseDeliveredValues(within.context, learner);
    expect(within.calls).toEqual([1]);

    const behind = fakeContext([false]);
    releaseDeliveredValues(behind.context, learner);
    expect(behind.calls).toEqual([1, Number.POSITIVE_INFINITY]);
    // The slab's bytes are written over after the release: the delivery must not see it.
    kept.fill(0xee);
    for (const from of [10, 11]) learner.step({ type: MessageType.Accepted, from, ballot: B1, slot: 1 }, 0, ready);
    expect(ready.delivered).toHaveLength(1);
    const delivered = ready.delivered.get(0).command;
    expect(delivered.clientId).toBe(2);
    expect(delivered.data.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(Buffer.from(delivered.data).equals(Buffer.alloc(3000, 1))).toBe(true);
  });

  it('replaceValues replaces every value kept for an undelivered slot, each ballot\'s', () => {
    const learner = new Learner({ id: 20, acceptors: ACCEPTORS, proposers: [1] });
    const ready = new Ready();
    const b2 = makeBallot(2, 2);
    learner.step({ type: MessageType.Accept, from: 1, ballot: B1, slot: 3, value: encodeValue([cmd(1, 1, 4)]) }, 0, ready);
    learner.step({ type: MessageType.Accept, from: 2, ballot: b2, slot: 3, value: encodeValue([cmd(1, 1, 4)]) }, 0, ready);
    learner.step({ type: MessageType.Accept, from: 1, ballot: B1, slot: 5, value: encodeValue([cmd(1, 2, 4)]) }, 0, ready);
    const seen: Uint8Array[] = [];
    learner.replaceValues((value) => {
      seen.push(value);
      return value.slice();
    });
    expect(seen).toHaveLength(3);
  });
});
