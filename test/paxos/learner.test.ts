// The learner's rules: learn on a same-ballot majority, deliver in slot order exactly once,
// number densely, skip no-ops, catch up.
import { describe, expect, it } from 'vitest';
import { Learner, MessageType, NOOP, Ready, encodeValue, makeBallot } from 'synod/paxos';
import type { Command, Delivery, LearnerConfig, Message, Value } from 'synod/paxos';

const ACCEPTORS = [10, 11, 12];
const PROPOSER = 1;
const B1 = makeBallot(1, 1);
const B2 = makeBallot(2, 2);

function make(overrides: Partial<LearnerConfig> = {}): Learner {
  return new Learner({ id: 20, acceptors: ACCEPTORS, proposers: [PROPOSER], ...overrides });
}
const cmd = (clientId: number, seq: number): Command => ({ clientId, seq, data: new Uint8Array([seq]) });
const accept = (slot: number, ballot: number, value: Value | readonly Command[]): Message => ({
  type: MessageType.Accept,
  from: PROPOSER,
  ballot,
  slot,
  value: value instanceof Uint8Array ? value : encodeValue(value),
});
const accepted = (from: number, slot: number, ballot: number): Message => ({ type: MessageType.Accepted, from, ballot, slot });
const summary = (deliveries: readonly Delivery[]): Array<[number, number, number, string]> =>
  deliveries.map((d) => [d.slot, d.indexInBatch, d.logIndex, `c${d.command.clientId}#${d.command.seq}`]);

describe('learner', () => {
  it('learns a slot once a majority accepted the same ballot', () => {
    const learner = make();
    const ready = new Ready();
    learner.step(accept(0, B1, [cmd(1, 1)]), 0, ready);
    learner.step(accepted(10, 0, B1), 0, ready);
    expect(ready.delivered).toHaveLength(0);
    learner.step(accepted(10, 0, B1), 0, ready); // the same acceptor twice is one vote
    expect(ready.delivered).toHaveLength(0);
    learner.step(accepted(11, 0, B1), 0, ready);
    expect(summary(ready.delivered.toArray())).toEqual([[0, 0, 0, 'c1#1']]);
  });

  it('gives a command with count k the next k indexes (a reservation), numbering on after them', () => {
    const learner = make();
    const ready = new Ready();
    const reservation: Command = { clientId: 3, seq: 1, data: new Uint8Array(0), count: 1000 };
    learner.step(accept(0, B1, [reservation, cmd(4, 1)]), 0, ready);
    learner.step(accepted(10, 0, B1), 0, ready);
    learner.step(accepted(11, 0, B1), 0, ready);
    expect(ready.delivered.toArray().map((d) => d.logIndex)).toEqual([0, 1000]);
    expect(learner.nextLogIndex).toBe(1001);
  });

  it('does not add up votes for different ballots', () => {
    const learner = make();
    const ready = new Ready();
    learner.step(accept(0, B1, [cmd(1, 1)]), 0, ready);
    learner.step(accept(0, B2, [cmd(1, 1)]), 0, ready);
    learner.step(accepted(10, 0, B1), 0, ready);
    learner.step(accepted(11, 0, B2), 0, ready);
    expect(ready.delivered).toHaveLength(0);
  });

  it('delivers in slot order, numbering commands densely and skipping no-ops', () => {
    const learner = make();
    const ready = new Ready();
    const values: Value[] = [encodeValue([cmd(1, 1), cmd(2, 1)]), NOOP, encodeValue([cmd(1, 2)])];
    for (const slot of [2, 1, 0]) {
      learner.step(accept(slot, B1, values[slot]!), 0, ready);
      learner.step(accepted(10, slot, B1), 0, ready);
      learner.step(accepted(12, slot, B1), 0, ready);
      if (slot > 0) expect(ready.delivered).toHaveLength(0); // slot 0 still missing
    }
    expect(summary(ready.delivered.toArray())).toEqual([
      [0, 0, 0, 'c1#1'],
      [0, 1, 1, 'c2#1'],
      [2, 0, 2, 'c1#2'],
    ]);
    expect(learner.nextSlot).toBe(3);
    expect(learner.nextLogIndex).toBe(3);
  });

  it('delivers a command chosen twice (a retry after failover) once, and reports the duplicate', () => {
    const learner = make();
    const ready = new Ready();
    for (const [slot, value] of [[0, [cmd(1, 1)]], [1, [cmd(2, 1), cmd(1, 1)]]] as const) {
      learner.step(accept(slot, B1, value), 0, ready);
      learner.step(accepted(10, slot, B1), 0, ready);
      learner.step(accepted(11, slot, B1), 0, ready);
    }
    expect(summary(ready.delivered.toArray())).toEqual([
      [0, 0, 0, 'c1#1'],
      [1, 0, 1, 'c2#1'],
    ]);
    expect(ready.duplicates.toArray()).toEqual([{ slot: 1, clientId: 1, seq: 1, logIndex: 0 }]);
  });

  it('takes the chosen value from any proposal at or above the chosen ballot', () => {
    const learner = make();
    const ready = new Ready();
    learner.step(accepted(10, 0, B1), 0, ready);
    learner.step(accepted(11, 0, B1), 0, ready); // chosen at B1, value never seen
    expect(ready.delivered).toHaveLength(0);
    learner.step(accept(0, B2, [cmd(4, 1)]), 0, ready); // a later leader re-proposed it
    expect(summary(ready.delivered.toArray())).toEqual([[0, 0, 0, 'c4#1']]);
  });

  it('asks every acceptor for missed slots when a heartbeat says it is behind, and learns from the replies', () => {
    const learner = make({ catchUpIntervalMs: 50 });
    const ready = new Ready();
    learner.step({ type: MessageType.Heartbeat, from: PROPOSER, ballot: B1, chosenBelow: 2, gcBelow: 0 }, 0, ready);
    learner.tick(10, ready);
    const asks = ready.send.toArray().filter((envelope) => envelope.msg.type === MessageType.CatchUp);
    expect(asks.map((envelope) => envelope.to)).toEqual(ACCEPTORS);
    expect(asks[0]!.msg).toMatchObject({ fromSlot: 0 });
    ready.clear();
    learner.tick(30, ready); // throttled
    expect(ready.send.toArray().filter((envelope) => envelope.msg.type === MessageType.CatchUp)).toHaveLength(0);
    const entries = [
      { slot: 0, ballot: B1, value: encodeValue([cmd(1, 1)]) },
      { slot: 1, ballot: B1, value: encodeValue([cmd(1, 2)]) },
    ];
    learner.step({ type: MessageType.CatchUpReply, from: 10, logStart: 0, entries }, 40, ready);
    learner.step({ type: MessageType.CatchUpReply, from: 12, logStart: 0, entries }, 40, ready);
    expect(summary(ready.delivered.toArray())).toEqual([
      [0, 0, 0, 'c1#1'],
      [1, 0, 1, 'c1#2'],
    ]);
  });

  it('restarts from its durable state: same cursor, same numbering, same sessions', () => {
    const learner = make();
    const ready = new Ready();
    learner.step(accept(0, B1, [cmd(1, 1), cmd(2, 1)]), 0, ready);
    learner.step(accepted(10, 0, B1), 0, ready);
    learner.step(accepted(11, 0, B1), 0, ready);
    const restarted = make();
    const again = new Learner({ id: 20, acceptors: ACCEPTORS, proposers: [PROPOSER] }, learner.durableState());
    expect(restarted.nextSlot).toBe(0);
    expect(again.nextSlot).toBe(1);
    ready.clear();
    again.step(accept(1, B1, [cmd(2, 1), cmd(3, 1)]), 0, ready);
    again.step(accepted(10, 1, B1), 0, ready);
    again.step(accepted(12, 1, B1), 0, ready);
    expect(summary(ready.delivered.toArray())).toEqual([[1, 1, 2, 'c3#1']]);
  });

  it('reports its progress to proposers and ignores votes too far ahead', () => {
    const learner = make({ progressIntervalMs: 50, pendingSlotsMax: 8 });
    const ready = new Ready();
    learner.tick(0, ready);
    expect(ready.send.toArray()).toEqual([{ to: PROPOSER, msg: { type: MessageType.LearnerProgress, from: 20, deliveredBelow: 0 } }]);
    learner.step(accepted(10, 8, B1), 0, ready);
    expect(learner.pendingSlots).toBe(0);
    learner.step(accepted(10, 7, B1), 0, ready);
    expect(learner.pendingSlots).toBe(1);
  });

  it('rejects bad configuration', () => {
    expect(() => make({ acceptors: [1, 2, 3, 4] })).toThrow(/odd count.*got 4/);
    expect(() => make({ catchUpIntervalMs: 0 })).toThrow(/catchUpIntervalMs must be in \[1, .*got 0/);
    expect(() => make({ id: 70000 })).toThrow(/65535.*70000/);
  });

  it('reuses its delivery objects once the Ready is cleared, and a cleared Ready keeps no value alive', () => {
    const learner = make();
    const ready = new Ready();
    const deliverSlot = (slot: number): void => {
      learner.step(accept(slot, B1, [cmd(1, slot + 1), cmd(2, slot + 1)]), 0, ready);
      learner.step(accepted(10, slot, B1), 0, ready);
      learner.step(accepted(11, slot, B1), 0, ready);
    };
    deliverSlot(0);
    const first = [...ready.delivered];
    expect(first.map((d) => [d.logIndex, d.command.clientId, d.command.seq, [...d.command.data]])).toEqual([
      [0, 1, 1, [1]],
      [1, 2, 1, [1]],
    ]);
    ready.clear();
    expect(first.map((d) => d.command.data.byteLength)).toEqual([0, 0]);
    deliverSlot(1);
    // The same objects, with the new slot's commands: no object per command once warm.
    expect(ready.delivered.get(0)).toBe(first[0]);
    expect(ready.delivered.get(1)).toBe(first[1]);
    expect(summary(ready.delivered.toArray())).toEqual([
      [1, 0, 2, 'c1#2'],
      [1, 1, 3, 'c2#2'],
    ]);
    expect([...ready.delivered.get(1).command.data]).toEqual([2]);
  });

  it('keeps at most 4096 delivery objects for reuse after a large catch-up', () => {
    const ready = new Ready();
    for (let i = 0; i < 5000; i++) ready.deliver(0, i, i, 1, i + 1, 1, new Uint8Array(1), 0, 1);
    const kept = ready.delivered.get(4095);
    const dropped = ready.delivered.get(4096);
    ready.clear();
    for (let i = 0; i < 5000; i++) ready.deliver(1, i, 5000 + i, 1, 5001 + i, 1, new Uint8Array(1), 0, 1);
    expect(ready.delivered.get(4095)).toBe(kept);
    expect(ready.delivered.get(4096)).not.toBe(dropped);
    expect(ready.delivered.get(4999).logIndex).toBe(9999);
  });
});

