// The proposer's parts in their own homes: the election, the window of slots in flight, a
// campaign's phase 1, and the learners' progress. Each is tested on its own here; the proposer's tests and the
// simulator run them together.
import { describe, expect, it } from 'vitest';
import { AcceptWindow } from '../../src/paxos/accept-window.js';
import { CommandQueue, IDLE_CLIENTS_SWEEP_AT } from '../../src/paxos/command-queue.js';
import { Election, ProposerRole } from '../../src/paxos/election.js';
import { LearnerProgress } from '../../src/paxos/learner-progress.js';
import { PhaseOne } from '../../src/paxos/phase-one.js';
import { InvariantError, MessageType, Quorum, Ready, ballotRound, encodeValue, makeBallot, type PromiseMessage, type Value } from '../../src/paxos/index.js';

const ACCEPTORS = [10, 11, 12];
const value = (seq: number): Value => encodeValue([{ clientId: 7, seq, data: new Uint8Array([seq]) }]);

describe('AcceptWindow', () => {
  const ballot = makeBallot(1, 1);

  it('issues slots in order and retires one once a majority voted, moving chosenBelow over the prefix', () => {
    const retired: Value[] = [];
    const window = new AcceptWindow(1, new Quorum(ACCEPTORS), (v) => retired.push(v));
    window.restartAt(5);
    const first = window.issue(ballot, value(1), 0);
    const second = window.issue(ballot, value(2), 0);
    expect([first.slot, second.slot, window.nextSlot, window.size]).toEqual([5, 6, 7, 2]);
    expect(first).toMatchObject({ type: MessageType.Accept, from: 1, ballot });
    // Slot 6 chosen first: chosenBelow waits for slot 5.
    expect(window.vote(6, 10)).toBe(false);
    expect(window.vote(6, 10)).toBe(false); // the same acceptor twice is one vote
    expect(window.vote(6, 11)).toBe(true);
    expect(window.chosenBelow).toBe(5);
    expect(window.vote(5, 99)).toBe(false); // not an acceptor
    expect(window.vote(5, 12)).toBe(false);
    expect(window.vote(5, 11)).toBe(true);
    expect(window.chosenBelow).toBe(7);
    expect(retired).toEqual([second.value, first.value]);
    expect(window.vote(5, 10)).toBe(false); // retired already
  });

  it('counts the bytes of the values in flight: up with each slot issued, down with each retired, none after clear()', () => {
    const window = new AcceptWindow(1, new Quorum(ACCEPTORS), () => {});
    window.issue(ballot, value(1), 0);
    window.issue(ballot, new Uint8Array(1000), 0);
    expect(window.valueBytes).toBe(value(1).byteLength + 1000);
    window.vote(1, 10);
    window.vote(1, 11);
    expect(window.valueBytes).toBe(value(1).byteLength);
    window.retireBelow(1);
    expect(window.valueBytes).toBe(0);
    window.issue(ballot, value(3), 0);
    window.clear();
    expect(window.valueBytes).toBe(0);
    window.issue(ballot, value(4), 0);
    window.restartAt(10);
    expect(window.valueBytes).toBe(0);
  });

  it('retransmits an Accept after the timeout, only to the acceptors that have not voted', () => {
    const window = new AcceptWindow(1, new Quorum(ACCEPTORS), () => {});
    const accept = window.issue(ballot, value(1), 0);
    window.vote(0, 11);
    const ready = new Ready();
    window.retransmit(99, 100, ready);
    expect(ready.send.toArray()).toEqual([]);
    window.retransmit(100, 100, ready);
    expect(ready.send.toArray().map(({ to }) => to)).toEqual([10, 12]);
    expect(ready.send.toArray().every(({ msg }) => msg === accept)).toBe(true);
    ready.clear();
    window.retransmit(150, 100, ready); // sent again at 100: not due until 200
    expect(ready.send.toArray()).toEqual([]);
    expect(window.acceptsResent).toBe(2); // one per acceptor it went to
  });

  it('holds an Accept back from an acceptor whose mailbox moved within retransmitMs (behind a burst, not lost), and sends it once it stops moving', () => {
    const window = new AcceptWindow(1, new Quorum(ACCEPTORS), () => {});
    window.issue(ballot, value(1), 0);
    window.mailboxProgressed(10, 60); // 10 reads what waited for room
    window.mailboxProgressed(99, 60); // not an acceptor: ignored
    const ready = new Ready();
    window.retransmit(100, 100, ready);
    expect(ready.send.toArray().map(({ to }) => to)).toEqual([11, 12]);
    ready.clear();
    window.retransmit(199, 100, ready); // the slot went again at 100
    expect(ready.send.toArray()).toEqual([]);
    window.mailboxProgressed(11, 150);
    window.retransmit(200, 100, ready); // 10's mailbox last moved 140 ms ago, 11's 50 ms ago
    expect(ready.send.toArray().map(({ to }) => to)).toEqual([10, 12]);
    expect(window.acceptsResent).toBe(4);
  });

  it('retires what every learner delivered, and starts issuing above it', () => {
    const retired: Value[] = [];
    const window = new AcceptWindow(1, new Quorum(ACCEPTORS), (v) => retired.push(v));
    for (let seq = 1; seq <= 3; seq++) window.issue(ballot, value(seq), 0);
    expect(window.retireBelow(2)).toBe(true);
    expect(retired).toHaveLength(2);
    window.advanceChosen();
    expect([window.chosenBelow, window.size]).toEqual([2, 1]);
    expect(window.retireBelow(10)).toBe(true);
    expect([window.nextSlot, window.chosenBelow, window.size]).toEqual([10, 10, 0]);
    expect(window.retireBelow(4)).toBe(false);
  });

  it('a slot issued twice in one ballot, or chosenBelow past nextSlot, is an InvariantError', () => {
    const window = new AcceptWindow(1, new Quorum(ACCEPTORS), () => {});
    window.issue(ballot, value(1), 0);
    (window as unknown as { nextSlotValue: number }).nextSlotValue = 0;
    expect(() => window.issue(ballot, value(2), 0)).toThrow(InvariantError);
    expect(() => window.issue(ballot, value(2), 0)).toThrow(/slot 0 issued twice/);
    (window as unknown as { chosenBelowValue: number }).chosenBelowValue = 3;
    expect(() => window.advanceChosen()).toThrow(/chosenBelow 3 above nextSlot 0/);
  });
});

describe('PhaseOne', () => {
  const ballot = makeBallot(2, 1);
  const promise = (from: number, part: number, parts: number, entries: PromiseMessage['entries'], logStart = 0): PromiseMessage => ({
    type: MessageType.Promise,
    from,
    ballot,
    logStart,
    entries,
    part,
    parts,
  });

  it('counts an acceptor once all parts of its Promise are in, and a majority ends the phase', () => {
    const phase = new PhaseOne(new Quorum(ACCEPTORS));
    expect(phase.onPromise(promise(10, 0, 2, []))).toBe(false);
    expect(phase.votes).toBe(0);
    expect(phase.onPromise(promise(10, 0, 2, []))).toBe(false); // the same part again
    expect(phase.votes).toBe(0);
    expect(phase.onPromise(promise(10, 1, 2, []))).toBe(false);
    expect(phase.votes).not.toBe(0);
    expect(phase.onPromise(promise(99, 0, 1, []))).toBe(false); // not an acceptor
    expect(phase.onPromise(promise(11, 0, 1, []))).toBe(true);
    expect(phase.onPromise(promise(11, 0, 1, []))).toBe(false); // counted already
  });

  it('keeps, per slot, the entry with the highest ballot from any part, and the highest logStart', () => {
    const phase = new PhaseOne(new Quorum(ACCEPTORS));
    const low = makeBallot(1, 1);
    const high = makeBallot(1, 2);
    phase.onPromise(promise(10, 0, 2, [{ slot: 4, ballot: low, value: value(1) }], 3));
    phase.onPromise(promise(11, 0, 1, [{ slot: 4, ballot: high, value: value(2) }, { slot: 5, ballot: low, value: value(3) }], 2));
    phase.onPromise(promise(12, 0, 1, [{ slot: 4, ballot: low, value: value(4) }]));
    expect(phase.recovered.get(4)?.ballot).toBe(high);
    expect(phase.recovered.get(5)?.ballot).toBe(low);
    expect(phase.logStart).toBe(3);
    phase.forgetBelow(5);
    expect([...phase.recovered.keys()]).toEqual([5]);
    phase.reset();
    expect([phase.votes, phase.logStart, phase.recovered.size]).toEqual([0, 0, 0]);
  });
});

describe('LearnerProgress', () => {
  it('raises gcBelow to the lowest report once every learner reported, and ignores others', () => {
    const progress = new LearnerProgress([20, 21]);
    expect(progress.report(20, 8)).toBe(false); // 21 has not reported
    expect([progress.gcBelow, progress.deliveredMax]).toEqual([0, 8]);
    expect(progress.report(99, 50)).toBe(false); // not a learner
    expect(progress.deliveredMax).toBe(8);
    expect(progress.report(21, 5)).toBe(true);
    expect(progress.gcBelow).toBe(5);
    expect(progress.report(20, 3)).toBe(false); // a stale report lowers nothing
    expect(progress.gcBelow).toBe(5);
    progress.raise(4);
    expect(progress.gcBelow).toBe(5);
    progress.raise(9);
    expect(progress.report(21, 7)).toBe(false); // below what a heartbeat told
    expect(progress.gcBelow).toBe(9);
  });
});

describe('Election', () => {
  const timing = { electionTimeoutMs: 100, backoffBaseMs: 50, backoffMaxMs: 400, randomizedTimeouts: true, backoff: true };

  it('a follower campaigns after [t, 2t) of silence, with a ballot above every ballot it saw', () => {
    const election = new Election(1, timing, () => 0.5);
    expect(election.due(1000)).toBe(false); // the first tick sets the deadline: 1000 + 150
    expect(election.due(1149)).toBe(false);
    expect(election.due(1150)).toBe(true);
    election.observe(makeBallot(7, 2));
    const ballot = election.campaign(1150);
    expect(election.role).toBe(ProposerRole.Candidate);
    expect(ballot).toBeGreaterThan(makeBallot(7, 2));
    expect(ballotRound(ballot)).toBe(8);
    expect(election.campaigns).toBe(1);
    election.won();
    expect([election.role, election.leaderHint, election.failedCampaigns]).toEqual([ProposerRole.Leader, 1, 0]);
  });

  it('a failed campaign backs off longer each time; a heartbeat from a leader resets that and is followed', () => {
    const election = new Election(1, timing, () => 0.99);
    election.due(0);
    election.campaign(0);
    election.stepDown(0, true);
    election.campaign(0);
    election.stepDown(0, true);
    expect([election.role, election.failedCampaigns]).toEqual([ProposerRole.Follower, 2]);
    // Two failures: up to 100 + 99 + a backoff of up to 100 ms.
    expect(election.due(290)).toBe(false);
    expect(election.due(299)).toBe(true);
    election.heardLeader(makeBallot(3, 2), 2, 300);
    expect([election.leaderHint, election.failedCampaigns]).toEqual([2, 0]);
    election.heardLeader(makeBallot(2, 3), 3, 300); // below the leader it follows: ignored
    expect(election.leaderHint).toBe(2);
    // The next campaign goes above the leader's ballot too.
    expect(election.campaign(500)).toBeGreaterThan(makeBallot(3, 2));
    expect(election.leaderHint).toBe(2);
  });

  it('stepping down forgets its own leadership, not the leader it followed', () => {
    const election = new Election(1, timing, () => 0);
    election.campaign(0);
    election.won();
    election.stepDown(10, false);
    expect([election.role, election.leaderHint, election.failedCampaigns]).toEqual([ProposerRole.Follower, -1, 0]);
  });
});

describe('CommandQueue', () => {
  const commandsOf = (clientId: number, seq: number): Uint8Array => encodeValue([{ clientId, seq, data: new Uint8Array([seq]) }]);
  const enqueue = (queue: CommandQueue, bytes: Uint8Array): number => queue.enqueue(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));

  it('counts a retry of a queued or in-flight command as queued once, and queues it again once its slot was chosen', () => {
    const queue = new CommandQueue(100, 10, 1 << 20);
    expect(enqueue(queue, commandsOf(7, 1))).toBe(1);
    expect(enqueue(queue, commandsOf(7, 1))).toBe(1); // a retry: counted, not queued twice
    expect(queue.commands).toBe(1);
    const slot = queue.takeBatch();
    expect(enqueue(queue, commandsOf(7, 1))).toBe(1); // in flight: still not queued again
    expect(queue.commands).toBe(0);
    queue.chosen(slot);
    // Chosen: a retry now goes to a slot again, so the learner sees the duplicate and re-acknowledges it.
    expect(enqueue(queue, commandsOf(7, 1))).toBe(1);
    expect(queue.commands).toBe(1);
    expect(queue.trackedClients).toBe(1);
  });

  it('counts the bytes of the commands waiting for a slot: each queued once (not a retry), less what slots took', () => {
    const queue = new CommandQueue(100, 2, 1 << 20);
    const one = commandsOf(7, 1).byteLength;
    enqueue(queue, encodeValue([1, 2, 3].map((seq) => ({ clientId: seq, seq: 1, data: new Uint8Array([seq]) }))));
    expect(queue.bytes).toBe(3 * one);
    enqueue(queue, commandsOf(2, 1)); // a retry of one queued: not again
    expect(queue.bytes).toBe(3 * one);
    expect(queue.takeBatch().byteLength).toBe(2 * one);
    expect(queue.bytes).toBe(one);
    queue.takeBatch();
    expect([queue.bytes, queue.commands]).toEqual([0, 0]);
  });

  it('keeps a client whose command was chosen until IDLE_CLIENTS_SWEEP_AT are idle, then forgets them all', () => {
    const queue = new CommandQueue(IDLE_CLIENTS_SWEEP_AT * 2, 1, 1 << 20);
    // Clients that each send one command and go: the first IDLE_CLIENTS_SWEEP_AT - 1 stay tracked (idle)...
    for (let client = 1; client < IDLE_CLIENTS_SWEEP_AT; client++) {
      enqueue(queue, commandsOf(client, 1));
      queue.chosen(queue.takeBatch());
    }
    expect(queue.trackedClients).toBe(IDLE_CLIENTS_SWEEP_AT - 1);
    // ...a busy one is kept through the sweep the next idle client starts.
    enqueue(queue, commandsOf(IDLE_CLIENTS_SWEEP_AT, 1));
    const last = queue.takeBatch();
    enqueue(queue, commandsOf(999_999, 5));
    queue.chosen(last);
    expect(queue.trackedClients).toBe(1);
    expect(enqueue(queue, commandsOf(999_999, 5))).toBe(1); // still known as queued
    expect(queue.commands).toBe(1);
    // An idle client that comes back is queued as new.
    expect(enqueue(queue, commandsOf(1, 1))).toBe(1);
    expect(queue.commands).toBe(2);
  });
});
