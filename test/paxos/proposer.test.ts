// The proposer's rules, sentence by sentence: election, phase 1 over all slots, recovery,
// pipelined and batched phase 2, refusals and backoff.
import { describe, expect, it } from 'vitest';
import {
  MessageType,
  NOOP,
  Proposer,
  ProposerRole,
  Ready,
  electionDelayMs,
  makeBallot,
  COMMAND_HEADER_BYTES,
  decodeValue,
  encodeValue,
} from 'synod/paxos';
import type { AcceptedEntry, AcceptMessage, Command, Message, PrepareMessage, ProposerConfig, Value } from 'synod/paxos';

const ME = 1;
const OTHER = 2;
const ACCEPTORS = [10, 11, 12];
const LEARNERS = [20];

function make(overrides: Partial<ProposerConfig> = {}): Proposer {
  return new Proposer({
    id: ME,
    proposers: [ME, OTHER],
    acceptors: ACCEPTORS,
    learners: LEARNERS,
    random: () => 0,
    heartbeatIntervalMs: 20,
    electionTimeoutMs: 100,
    retransmitMs: 40,
    windowSlotsMax: 4,
    batchCommandsMax: 2,
    ...overrides,
  });
}
const cmd = (clientId: number, seq: number): Command => ({ clientId, seq, data: new Uint8Array([clientId, seq]) });
const sent = (ready: Ready, type: number): Array<{ to: number; msg: Message }> =>
  ready.send.toArray().filter((envelope) => envelope.msg.type === type);
function promise(from: number, ballot: number, entries: AcceptedEntry[] = [], logStart = 0): Message {
  return { type: MessageType.Promise, from, ballot, logStart, entries, part: 0, parts: 1 };
}

/** Drive a fresh proposer to leadership with empty promises from every acceptor. */
function leader(overrides: Partial<ProposerConfig> = {}): { proposer: Proposer; ready: Ready } {
  const proposer = make(overrides);
  const ready = new Ready();
  proposer.campaign(0, ready);
  for (const acceptor of ACCEPTORS) proposer.step(promise(acceptor, proposer.ballot), 0, ready);
  ready.clear();
  return { proposer, ready };
}

describe('election', () => {
  it('a standby campaigns after the election timeout passes without a heartbeat', () => {
    const proposer = make();
    const ready = new Ready();
    proposer.tick(0, ready);
    proposer.tick(99, ready);
    expect(ready.send).toHaveLength(0);
    proposer.tick(100, ready);
    const prepares = sent(ready, MessageType.Prepare);
    expect(prepares.map((envelope) => envelope.to)).toEqual(ACCEPTORS);
    expect(prepares[0]!.msg).toEqual({ type: MessageType.Prepare, from: ME, ballot: makeBallot(1, ME), fromSlot: 0 });
    expect(proposer.role).toBe(ProposerRole.Candidate);
  });

  it('heartbeats from a leader keep a standby from campaigning', () => {
    const proposer = make();
    const ready = new Ready();
    proposer.tick(0, ready);
    for (let now = 50; now <= 1000; now += 50) {
      proposer.step({ type: MessageType.Heartbeat, from: OTHER, ballot: makeBallot(1, OTHER), chosenBelow: 0, gcBelow: 0 }, now, ready);
      proposer.tick(now, ready);
    }
    expect(ready.send).toHaveLength(0);
    expect(proposer.leaderHint).toBe(OTHER);
  });

  it('election timeouts are randomized in [t, 2t) and backoff grows with failures, capped', () => {
    const timing = { electionTimeoutMs: 100, backoffBaseMs: 20, backoffMaxMs: 160, randomizedTimeouts: true, backoff: true };
    expect(electionDelayMs(timing, 0, () => 0)).toBe(100);
    expect(electionDelayMs(timing, 0, () => 0.999)).toBe(199);
    const ceilings = [1, 2, 3, 4, 5, 6].map((failed) => electionDelayMs(timing, failed, () => 0.999) - 199);
    expect(ceilings).toEqual([19, 39, 79, 159, 159, 159]);
    expect(electionDelayMs({ ...timing, randomizedTimeouts: false }, 0, () => 0.999)).toBe(100);
  });

  it('becomes leader on promises from a majority, not before, counting each acceptor once', () => {
    const proposer = make();
    const ready = new Ready();
    proposer.campaign(0, ready);
    proposer.step(promise(10, proposer.ballot), 1, ready);
    proposer.step(promise(10, proposer.ballot), 1, ready);
    expect(proposer.isLeader).toBe(false);
    proposer.step(promise(99, proposer.ballot), 1, ready); // not an acceptor
    expect(proposer.isLeader).toBe(false);
    proposer.step(promise(12, proposer.ballot), 1, ready);
    expect(proposer.isLeader).toBe(true);
    expect(sent(ready, MessageType.Heartbeat).map((envelope) => envelope.to).sort()).toEqual([OTHER, ...ACCEPTORS, ...LEARNERS].sort());
  });

  it('a refusal naming a higher ballot ends the campaign; the next one goes above that ballot', () => {
    const proposer = make();
    const ready = new Ready();
    proposer.campaign(0, ready);
    const beaten = proposer.ballot;
    proposer.step({ type: MessageType.Nack, from: 10, ballot: beaten, promised: makeBallot(5, OTHER), slot: -1 }, 1, ready);
    expect(proposer.role).toBe(ProposerRole.Follower);
    expect(proposer.failedCampaigns).toBe(1);
    ready.clear();
    proposer.campaign(2, ready);
    // 5.1 is below 5.2, so the smallest ballot of ours above it is 6.1.
    expect((sent(ready, MessageType.Prepare)[0]!.msg as PrepareMessage).ballot).toBe(makeBallot(6, ME));
  });

  it('a leader steps down on a refusal or on a heartbeat with a higher ballot', () => {
    const { proposer, ready } = leader();
    proposer.propose(cmd(1, 1), 1, ready);
    proposer.step({ type: MessageType.Nack, from: 11, ballot: proposer.ballot, promised: makeBallot(2, OTHER), slot: 0 }, 2, ready);
    expect(proposer.role).toBe(ProposerRole.Follower);
    expect(proposer.inflightCount).toBe(0);

    const second = leader().proposer;
    second.step({ type: MessageType.Heartbeat, from: OTHER, ballot: makeBallot(9, OTHER), chosenBelow: 0, gcBelow: 0 }, 5, new Ready());
    expect(second.role).toBe(ProposerRole.Follower);
    expect(second.leaderHint).toBe(OTHER);
  });

  it('a heartbeat from a lower ballot does not unseat a leader', () => {
    const { proposer } = leader();
    proposer.step({ type: MessageType.Heartbeat, from: OTHER, ballot: makeBallot(0 + 1, 0), chosenBelow: 0, gcBelow: 0 }, 5, new Ready());
    expect(proposer.isLeader).toBe(true);
  });
});

describe('phase 1 over every slot, then recovery', () => {
  it('re-proposes the highest-ballot value per slot and fills true holes with no-ops before new commands', () => {
    const proposer = make({ windowSlotsMax: 8 });
    const ready = new Ready();
    proposer.propose(cmd(9, 1), 0, ready); // not leader yet: not queued
    proposer.campaign(0, ready);
    const b = proposer.ballot;
    const old = (round: number, who: number): number => makeBallot(round, who);
    const value = (text: string): Value => encodeValue([cmd(text.charCodeAt(0), 1)]);
    proposer.step(promise(10, b, [
      { slot: 0, ballot: old(1, 3), value: value('a') },
      { slot: 3, ballot: old(1, 3), value: value('d') },
    ]), 1, ready);
    proposer.step(promise(11, b, [
      { slot: 0, ballot: old(2, 4), value: value('A') },
      { slot: 1, ballot: old(1, 3), value: value('b') },
    ]), 1, ready);
    expect(proposer.isLeader).toBe(true); // two of three is a majority
    proposer.step(promise(12, b, [{ slot: 2, ballot: old(1, 3), value: value('c') }]), 1, ready); // too late: ignored
    proposer.propose(cmd(50, 1), 2, ready);
    const accepts = sent(ready, MessageType.Accept).filter((envelope) => envelope.to === 10).map((envelope) => envelope.msg as AcceptMessage);
    expect(accepts.map((msg) => [msg.slot, msg.value])).toEqual([
      [0, value('A')], // highest ballot wins
      [1, value('b')],
      [2, NOOP], // a true hole
      [3, value('d')],
      [4, encodeValue([cmd(50, 1)])], // new commands only after recovery
    ]);
    expect(accepts.every((msg) => msg.ballot === b)).toBe(true);
  });

  it('starts at the highest logStart reported: a dropped prefix was delivered everywhere', () => {
    const proposer = make();
    const ready = new Ready();
    proposer.campaign(0, ready);
    proposer.step(promise(10, proposer.ballot, [], 40), 1, ready);
    proposer.step(promise(11, proposer.ballot, [{ slot: 12, ballot: makeBallot(1, 2), value: NOOP }], 0), 1, ready);
    ready.clear();
    proposer.propose(cmd(1, 1), 2, ready);
    const accept = sent(ready, MessageType.Accept)[0]!.msg as AcceptMessage;
    expect(accept.slot).toBe(40);
    expect(proposer.gcBelow).toBe(40);
  });
});

describe('phase 2: pipelined, batched Accepts while the ballot stands', () => {
  it('each new slot needs only the Accept round', () => {
    const { proposer, ready } = leader();
    proposer.propose(cmd(1, 1), 1, ready);
    expect(sent(ready, MessageType.Prepare)).toHaveLength(0);
    // Learners first: the worker host sends them their copy without a wake-up (the acceptors'
    // votes wake them), so it must be in their mailboxes before any acceptor can vote.
    expect(sent(ready, MessageType.Accept).map((envelope) => envelope.to)).toEqual([...LEARNERS, ...ACCEPTORS]);
  });

  it('keeps at most windowSlotsMax slots in flight and batches the rest', () => {
    const { proposer, ready } = leader({ windowSlotsMax: 2, batchCommandsMax: 3 });
    for (let seq = 1; seq <= 6; seq++) proposer.propose(cmd(seq, 1), 1, ready);
    let accepts = sent(ready, MessageType.Accept).filter((envelope) => envelope.to === 10).map((envelope) => envelope.msg as AcceptMessage);
    expect(accepts.map((msg) => msg.slot)).toEqual([0, 1]);
    expect(accepts.map((msg) => decodeValue(msg.value).length)).toEqual([1, 1]);
    expect(proposer.pendingCount).toBe(4);
    ready.clear();
    for (const acceptor of [10, 11]) proposer.step({ type: MessageType.Accepted, from: acceptor, ballot: proposer.ballot, slot: 0 }, 2, ready);
    accepts = sent(ready, MessageType.Accept).filter((envelope) => envelope.to === 10).map((envelope) => envelope.msg as AcceptMessage);
    expect(accepts.map((msg) => [msg.slot, decodeValue(msg.value).map((c) => c.clientId)])).toEqual([[2, [3, 4, 5]]]);
    expect(proposer.chosenBelow).toBe(1);
  });

  it('opens no slot while windowBytesMax bytes of values are in flight, and always one into an empty window, whatever its size', () => {
    // Commands of 100 bytes of data (124 with their header), one per slot: slots open while fewer
    // than 250 bytes are in flight, so the third opens (at 248) and the fourth waits.
    const big = (clientId: number): Command => ({ clientId, seq: 1, data: new Uint8Array(100).fill(clientId) });
    const { proposer, ready } = leader({ windowSlotsMax: 8, batchCommandsMax: 1, windowBytesMax: 250 });
    const accepted = (slot: number): void => {
      for (const acceptor of [10, 11]) proposer.step({ type: MessageType.Accepted, from: acceptor, ballot: proposer.ballot, slot }, 2, ready);
    };
    const acceptSlots = (): number[] => sent(ready, MessageType.Accept).filter((envelope) => envelope.to === 10).map((envelope) => (envelope.msg as AcceptMessage).slot);
    for (let client = 1; client <= 4; client++) proposer.propose(big(client), 1, ready);
    expect(acceptSlots()).toEqual([0, 1, 2]); // 248 bytes in flight after two: one more may open, to 372
    expect(proposer.pendingCount).toBe(1);
    ready.clear();
    accepted(0); // 248 in flight again: the fourth opens
    expect(acceptSlots()).toEqual([3]);
    ready.clear();
    // A value larger than the bound still gets a slot once the window is empty.
    const { proposer: lone, ready: loneReady } = leader({ windowBytesMax: 10 });
    lone.propose(big(9), 1, loneReady);
    lone.propose(big(8), 1, loneReady);
    expect(sent(loneReady, MessageType.Accept).filter((envelope) => envelope.to === 10)).toHaveLength(1);
    expect(() => make({ windowBytesMax: 0 })).toThrow(/windowBytesMax must be in \[1, .*got 0/);
    expect(() => make({ windowBytesMax: 1.5 })).toThrow(TypeError);
  });

  it('counts the bytes of client commands queued for a slot while it leads, and none once it does not', () => {
    const { proposer, ready } = leader({ windowSlotsMax: 1, batchCommandsMax: 1 });
    expect(proposer.queuedCommandBytes).toBe(0);
    proposer.propose(cmd(1, 1), 1, ready); // into the window
    proposer.propose(cmd(2, 1), 1, ready);
    proposer.propose(cmd(3, 1), 1, ready);
    expect(proposer.queuedCommandBytes).toBe(2 * (COMMAND_HEADER_BYTES + 2));
    for (const acceptor of [10, 11]) proposer.step({ type: MessageType.Accepted, from: acceptor, ballot: proposer.ballot, slot: 0 }, 2, ready);
    expect(proposer.queuedCommandBytes).toBe(COMMAND_HEADER_BYTES + 2);
    // Deposed by a higher ballot: what it queued holds nobody back.
    proposer.step({ type: MessageType.Heartbeat, from: OTHER, ballot: proposer.ballot + 100, chosenBelow: 0, gcBelow: 0 }, 3, ready);
    expect(proposer.isLeader).toBe(false);
    expect(proposer.queuedCommandBytes).toBe(0);
  });

  it('ignores Accepted for another ballot and counts each acceptor once', () => {
    const { proposer, ready } = leader();
    proposer.propose(cmd(1, 1), 1, ready);
    proposer.step({ type: MessageType.Accepted, from: 10, ballot: proposer.ballot, slot: 0 }, 2, ready);
    proposer.step({ type: MessageType.Accepted, from: 10, ballot: proposer.ballot, slot: 0 }, 2, ready);
    proposer.step({ type: MessageType.Accepted, from: 11, ballot: proposer.ballot - 1, slot: 0 }, 2, ready);
    expect(proposer.chosenBelow).toBe(0);
    proposer.step({ type: MessageType.Accepted, from: 12, ballot: proposer.ballot, slot: 0 }, 2, ready);
    expect(proposer.chosenBelow).toBe(1);
  });

  it('retransmits unanswered Accepts to the acceptors that did not answer', () => {
    const { proposer, ready } = leader();
    proposer.propose(cmd(1, 1), 0, ready);
    proposer.step({ type: MessageType.Accepted, from: 10, ballot: proposer.ballot, slot: 0 }, 5, ready);
    ready.clear();
    proposer.tick(39, ready);
    expect(sent(ready, MessageType.Accept)).toHaveLength(0);
    expect(proposer.acceptsResent).toBe(0);
    proposer.tick(40, ready);
    expect(sent(ready, MessageType.Accept).map((envelope) => envelope.to)).toEqual([11, 12]);
    expect(proposer.acceptsResent).toBe(2);
  });

  it('ignores a client retry of a command it is still proposing', () => {
    const { proposer, ready } = leader();
    proposer.propose(cmd(1, 1), 0, ready);
    ready.clear();
    proposer.propose(cmd(1, 1), 1, ready);
    expect(ready.send).toHaveLength(0);
  });

  it('redirects clients to the leader it knows when it does not lead', () => {
    const proposer = make();
    const ready = new Ready();
    proposer.step({ type: MessageType.Heartbeat, from: OTHER, ballot: makeBallot(1, OTHER), chosenBelow: 0, gcBelow: 0 }, 1, ready);
    proposer.step({ type: MessageType.ClientRequest, from: 77, command: cmd(5, 3) }, 2, ready);
    expect(ready.send.toArray()).toEqual([
      { to: 77, msg: { type: MessageType.Redirect, from: ME, clientId: 5, seq: 3, leaderHint: OTHER } },
    ]);
  });
});

describe('bounded memory', () => {
  it('announces the prefix every learner delivered (gcBelow) in heartbeats', () => {
    const { proposer, ready } = leader({ learners: [20, 21] });
    proposer.step({ type: MessageType.LearnerProgress, from: 20, deliveredBelow: 7 }, 1, ready);
    expect(proposer.gcBelow).toBe(0); // learner 21 has not reported yet
    proposer.step({ type: MessageType.LearnerProgress, from: 21, deliveredBelow: 5 }, 1, ready);
    expect(proposer.gcBelow).toBe(5);
    ready.clear();
    proposer.tick(100, ready);
    expect(sent(ready, MessageType.Heartbeat)[0]!.msg).toMatchObject({ gcBelow: 5, chosenBelow: 7 });
  });
});

describe('configuration', () => {
  it('rejects bad input naming the value and the limit', () => {
    expect(() => make({ acceptors: [10, 11] })).toThrow(/odd count.*got 2/);
    expect(() => make({ id: 3 })).toThrow(/must include this proposer's id 3/);
    expect(() => make({ windowSlotsMax: 0 })).toThrow(/windowSlotsMax must be in \[1, .*got 0/);
    expect(() => make({ heartbeatIntervalMs: 100 })).toThrow(/heartbeatIntervalMs must be below electionTimeoutMs \(100\), got 100/);
    expect(() => make({ retransmitMs: 2.5 })).toThrow(TypeError);
    expect(() => make({ random: undefined as unknown as () => number })).toThrow(TypeError);
  });
});

describe('a promise in parts', () => {
  const part = (from: number, ballot: number, index: number, parts: number, entries: AcceptedEntry[] = []): Message => ({
    type: MessageType.Promise, from, ballot, logStart: 0, entries, part: index, parts,
  });

  it('counts an acceptor once it holds every part, whatever their order, and uses the entries of all of them', () => {
    const proposer = make();
    const ready = new Ready();
    proposer.campaign(0, ready);
    const b = proposer.ballot;
    const value = encodeValue([cmd(1, 1)]);
    proposer.step(part(10, b, 1, 2, [{ slot: 3, ballot: makeBallot(1, 3), value }]), 1, ready);
    proposer.step(promise(11, b), 1, ready);
    expect(proposer.isLeader).toBe(false); // acceptor 10 is missing part 0
    proposer.step(part(10, b, 1, 2), 1, ready); // a duplicate of a part is not the missing one
    expect(proposer.isLeader).toBe(false);
    proposer.step(part(10, b, 0, 2), 1, ready);
    expect(proposer.isLeader).toBe(true);
    const accepts = sent(ready, MessageType.Accept).filter((envelope) => envelope.to === 10).map((envelope) => envelope.msg as AcceptMessage);
    expect(accepts.map((msg) => msg.slot)).toEqual([0, 1, 2, 3]);
    expect(accepts[3]!.value).toEqual(value);
  });

  it('a lost part is asked for again by the Prepare retransmit, and the campaign completes', () => {
    const proposer = make({ retransmitMs: 10 });
    const ready = new Ready();
    proposer.campaign(0, ready);
    const b = proposer.ballot;
    proposer.step(part(10, b, 0, 2), 1, ready);
    proposer.step(part(11, b, 1, 2), 1, ready);
    expect(proposer.isLeader).toBe(false);
    ready.clear();
    proposer.tick(11, ready);
    expect(sent(ready, MessageType.Prepare).map((envelope) => envelope.to).sort()).toEqual([10, 11, 12]);
    proposer.step(part(11, b, 0, 2), 12, ready);
    proposer.step(part(10, b, 1, 2), 12, ready);
    expect(proposer.isLeader).toBe(true);
  });
});

describe('slots from encoded commands', () => {
  const encoded = (...commands: Command[]): Uint8Array => encodeValue(commands);

  it('a slot within one batch is a view of the bytes the client sent: no decode, no copy', () => {
    const { proposer, ready } = leader({ batchCommandsMax: 2 });
    const batch = encoded(cmd(1, 1), cmd(2, 1), cmd(3, 1));
    expect(proposer.enqueueCommands(batch, ready)).toBe(3);
    proposer.fill(0, ready);
    const accepts = sent(ready, MessageType.Accept).filter((envelope) => envelope.to === 10).map((envelope) => envelope.msg as AcceptMessage);
    expect(accepts.map((msg) => decodeValue(msg.value).map((c) => c.clientId))).toEqual([[1, 2], [3]]);
    for (const msg of accepts) expect(msg.value.buffer).toBe(batch.buffer);
  });

  it('skips retries of commands already queued, keeping the rest in order, and joins batches into one slot', () => {
    const { proposer, ready } = leader({ batchCommandsMax: 10 });
    proposer.enqueueCommands(encoded(cmd(1, 1), cmd(2, 1)), ready);
    expect(proposer.enqueueCommands(encoded(cmd(3, 1), cmd(1, 1), cmd(4, 1)), ready)).toBe(3); // c1#1 again: queued already
    expect(proposer.pendingCount).toBe(4);
    proposer.fill(0, ready);
    const accepts = sent(ready, MessageType.Accept).filter((envelope) => envelope.to === 10).map((envelope) => envelope.msg as AcceptMessage);
    expect(accepts.map((msg) => decodeValue(msg.value).map((c) => `${c.clientId}#${c.seq}`))).toEqual([['1#1', '2#1', '3#1', '4#1']]);
  });

  it('keeps what keepCommands makes of a batch (once per batch, only where a command is kept), and names every range it still reads', () => {
    const copies: Uint8Array[] = [];
    // A host whose batches are views valid only during the call: it copies what the queue keeps.
    const keepCommands = (commands: Uint8Array): Uint8Array => {
      const copy = commands.slice();
      copies.push(copy);
      return copy;
    };
    const { proposer, ready } = leader({ batchCommandsMax: 2, windowSlotsMax: 1, keepCommands });
    const batch = encoded(cmd(1, 1), cmd(2, 1), cmd(3, 1));
    expect(proposer.enqueueCommands(batch, ready)).toBe(3);
    expect(copies).toHaveLength(1);
    // Retries only: nothing new is kept, nothing copied.
    expect(proposer.enqueueCommands(encoded(cmd(2, 1), cmd(3, 1)), ready)).toBe(2);
    expect(copies).toHaveLength(1);
    const held = (): Uint8Array[] => {
      const views: Uint8Array[] = [];
      proposer.forEachHeldValue((view) => views.push(view));
      return views;
    };
    expect(held().map((view) => view.buffer)).toEqual([copies[0]!.buffer]);
    proposer.fill(0, ready);
    // One slot in flight (a view of the kept copy, commands 1 and 2), command 3 queued in the same copy.
    const accept = sent(ready, MessageType.Accept)[0]!.msg as AcceptMessage;
    expect(accept.value.buffer).toBe(copies[0]!.buffer);
    expect(accept.value.buffer).not.toBe(batch.buffer);
    expect(held()).toHaveLength(2);
    expect(held().every((view) => view.buffer === copies[0]!.buffer)).toBe(true);
    // The caller writes over its batch (its ring moved on): the proposer's slots are unchanged.
    batch.fill(0);
    expect(decodeValue(accept.value).map((c) => c.clientId)).toEqual([1, 2]);
    for (const acceptor of ACCEPTORS.slice(0, 2)) proposer.step({ type: MessageType.Accepted, from: acceptor, ballot: proposer.ballot, slot: accept.slot }, 1, ready);
    // Slot chosen, command 3 in the next slot: only that one is still read.
    const views = held();
    expect(proposer.pendingCount).toBe(0);
    expect(views).toHaveLength(1);
    expect(views[0]!.buffer).toBe(copies[0]!.buffer);
    expect(decodeValue(views[0]!).map((c) => c.clientId)).toEqual([3]);
    proposer.step({ type: MessageType.Accepted, from: 10, ballot: proposer.ballot, slot: accept.slot + 1 }, 2, ready);
    proposer.step({ type: MessageType.Accepted, from: 11, ballot: proposer.ballot, slot: accept.slot + 1 }, 2, ready);
    expect(held()).toEqual([]);
  });

  it('joins batches into one slot only while the joined value stays within joinBytesMax; a slot of one batch is a view at any size', () => {
    const big = (clientId: number): Command => ({ clientId, seq: 1, data: new Uint8Array(3000).fill(clientId) });
    const { proposer, ready } = leader({ batchCommandsMax: 10, windowSlotsMax: 10, joinBytesMax: 4096 });
    const first = encoded(big(1), big(2));
    const second = encoded(big(3));
    const third = encoded(cmd(4, 1));
    const fourth = encoded(cmd(5, 1));
    for (const batch of [first, second, third, fourth]) proposer.enqueueCommands(batch, ready);
    proposer.fill(0, ready);
    const accepts = sent(ready, MessageType.Accept).filter((envelope) => envelope.to === 10).map((envelope) => envelope.msg as AcceptMessage);
    // 6 KiB from one batch: a view; the next batch would make a joined value over 4 KiB: a slot of
    // its own, which then joins the small ones after it (a copy of 3 KiB and a few bytes).
    expect(accepts.map((msg) => decodeValue(msg.value).map((c) => c.clientId))).toEqual([[1, 2], [3, 4, 5]]);
    expect(accepts[0]!.value.buffer).toBe(first.buffer);
    expect(accepts[1]!.value.buffer).not.toBe(second.buffer);
    expect(accepts[1]!.value.byteLength).toBeLessThanOrEqual(4096);
    expect(() => make({ joinBytesMax: 0 })).toThrow(RangeError);
  });

  it('refuses a keepCommands that is not a function', () => {
    expect(() => make({ keepCommands: 'copy' as unknown as (commands: Uint8Array) => Uint8Array })).toThrow(TypeError);
  });

  it('keeps every field of a command, count included', () => {
    const { proposer, ready } = leader();
    const reservation: Command = { clientId: 4, seq: 2, data: new Uint8Array(0), count: 65_536 };
    proposer.enqueueCommands(encoded(reservation), ready);
    proposer.fill(0, ready);
    const accept = sent(ready, MessageType.Accept)[0]!.msg as AcceptMessage;
    expect(decodeValue(accept.value)).toEqual([reservation]);
  });
});

describe('queued proposals', () => {
  it('enqueue() opens no slot; fill() batches everything queued into as few slots as the limits allow', () => {
    const { proposer, ready } = leader({ batchCommandsMax: 3 });
    for (let seq = 1; seq <= 5; seq++) expect(proposer.enqueue(cmd(7, seq), ready)).toBe(true);
    expect(sent(ready, MessageType.Accept)).toHaveLength(0);
    proposer.fill(0, ready);
    const slots = new Map<number, number>();
    for (const { msg } of sent(ready, MessageType.Accept)) slots.set((msg as AcceptMessage).slot, decodeValue((msg as AcceptMessage).value).length);
    expect([...slots.values()]).toEqual([3, 2]);
  });

  it('splits batches at batchBytesMax (command headers included), but always takes at least one command', () => {
    const { proposer, ready } = leader({ batchCommandsMax: 10, batchBytesMax: COMMAND_HEADER_BYTES + 5 });
    const big = (seq: number): Command => ({ clientId: 8, seq, data: new Uint8Array(4) });
    for (let seq = 1; seq <= 3; seq++) proposer.enqueue(big(seq), ready);
    proposer.enqueue({ clientId: 9, seq: 1, data: new Uint8Array(100) }, ready);
    proposer.fill(0, ready);
    const sizes = [...new Map(sent(ready, MessageType.Accept).map(({ msg }) => [(msg as AcceptMessage).slot, decodeValue((msg as AcceptMessage).value).length])).values()];
    expect(sizes).toEqual([1, 1, 1, 1]);
  });

  it('a standby answers an enqueued command with a redirect and queues nothing', () => {
    const proposer = make();
    const ready = new Ready();
    expect(proposer.enqueue(cmd(7, 1), ready, 99)).toBe(false);
    expect(sent(ready, MessageType.Redirect)).toEqual([{ to: 99, msg: expect.objectContaining({ clientId: 7, seq: 1 }) }]);
    expect(proposer.pendingCount).toBe(0);
  });
});
