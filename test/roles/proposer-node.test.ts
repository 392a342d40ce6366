// A standby is asked to campaign twice for one death: when the leader is killed (the runtime
// knows first) and again by the runtime's exit event. The second request must not restart the
// election under way, which would throw away the Promises already on their way back.
import { describe, expect, it } from 'vitest';
import { ProposerNode, type ProposerSoftState } from '../../src/roles/index.js';
import { LogMessageType } from '../../src/protocol/wire.js';
import { MessageType, ProposerRole, encodeValue, makeBallot, type Message, type NodeId, type PromiseMessage } from '../../src/paxos/index.js';

interface Standby {
  node: ProposerNode;
  sent: Array<{ to: NodeId; message: Message }>;
  /** Each soft-state change the node told of, with how many messages had left by then. */
  changes: Array<{ now: ProposerSoftState; before: ProposerSoftState; sentBefore: number }>;
}

function standby(clients: NodeId[] = []): Standby {
  const sent: Standby['sent'] = [];
  const changes: Standby['changes'] = [];
  const node = new ProposerNode({
    config: { id: 1, proposers: [0, 1], acceptors: [2, 3, 4], learners: [5], random: () => 0.5, heartbeatIntervalMs: 20, electionTimeoutMs: 100 },
    transport: { send: (to, message) => sent.push({ to, message }) },
    clients: () => clients,
    softStateChanged: (now, before) => changes.push({ now, before, sentBefore: sent.length }),
  });
  return { node, sent, changes };
}

const campaign = { type: LogMessageType.Campaign, from: 9 };

describe('a Campaign request', () => {
  it('starts an election from a follower, and a second one during it changes nothing', () => {
    const { node, sent } = standby();
    node.step(9, campaign, 0);
    expect(node.proposer.role).toBe(ProposerRole.Candidate);
    const prepares = sent.filter(({ message }) => message.type === MessageType.Prepare);
    expect(prepares.map(({ to }) => to)).toEqual([2, 3, 4]);
    const ballot = node.proposer.ballot;
    node.step(9, campaign, 1);
    expect(node.proposer.ballot).toBe(ballot);
    expect(sent.filter(({ message }) => message.type === MessageType.Prepare)).toHaveLength(3);
  });

  it('once it leads, tells the clients before it re-proposes what it recovered', () => {
    const { node, sent } = standby([7, 8]);
    node.step(9, campaign, 0);
    const ballot = node.proposer.ballot;
    // Two acceptors promise, each with 100 slots accepted under the old leader's ballot.
    const oldBallot = makeBallot(1, 0);
    const entries = Array.from({ length: 100 }, (_, slot) => ({ slot, ballot: oldBallot, value: encodeValue([{ clientId: 7, seq: slot + 1, data: new Uint8Array([slot]) }]) }));
    sent.length = 0;
    for (const from of [2, 3]) {
      const promise: PromiseMessage = { type: MessageType.Promise, from, ballot, logStart: 0, entries, part: 0, parts: 1 };
      node.step(9, promise, 1);
    }
    expect(node.proposer.role).toBe(ProposerRole.Leader);
    const firstAccept = sent.findIndex(({ message }) => message.type === MessageType.Accept);
    const announcements = sent.flatMap(({ to, message }, at) => ((message.type as number) === LogMessageType.NewLeader ? [{ to, at, message }] : []));
    expect(firstAccept).toBeGreaterThanOrEqual(0);
    expect(announcements.map(({ to }) => to)).toEqual([7, 8]);
    // With the ballot it leads with: a client takes the higher ballot's announcement, whichever it reads first.
    expect(announcements.every(({ message }) => (message as unknown as { ballot: number }).ballot === ballot)).toBe(true);
    expect(announcements.every(({ at }) => at < firstAccept)).toBe(true);
  });
});

describe("a proposer node's soft state", () => {
  it('tells its host of a campaign and of leading, once each, before that step sends anything', () => {
    const { node, sent, changes } = standby([7]);
    node.tick(0);
    node.endTurn(0);
    expect(changes).toEqual([]); // nothing changed: nothing told
    node.step(9, campaign, 0);
    expect(changes).toHaveLength(1);
    expect(changes[0]!.before.role).toBe(ProposerRole.Follower);
    expect(changes[0]!.now).toEqual({ role: ProposerRole.Candidate, ballot: node.proposer.ballot, chosenBelow: 0 });
    expect(changes[0]!.sentBefore).toBe(0); // before its Prepares left
    const ballot = node.proposer.ballot;
    const sentAtPromises = sent.length;
    for (const from of [2, 3]) {
      const promise: PromiseMessage = { type: MessageType.Promise, from, ballot, logStart: 0, entries: [], part: 0, parts: 1 };
      node.step(from, promise, 1);
    }
    expect(changes).toHaveLength(2);
    expect(changes[1]!.now).toEqual({ role: ProposerRole.Leader, ballot, chosenBelow: 0 });
    expect(changes[1]!.before.role).toBe(ProposerRole.Candidate);
    expect(changes[1]!.sentBefore).toBe(sentAtPromises);
    // Leading on, ticking and ending turns changes nothing the host would show.
    for (let nowMs = 2; nowMs < 50; nowMs += 5) {
      node.tick(nowMs);
      node.endTurn(nowMs);
    }
    expect(changes).toHaveLength(2);
  });
});
