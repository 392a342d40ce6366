// A standby is asked to campaign twice for one death: when the leader is killed (the runtime
// knows first) and again by the runtime's exit event. The second request must not restart the
// election under way, which would throw away the Promises already on their way back.
import { describe, expect, it } from 'vitest';
import { ProposerDriver } from '../../src/driver/index.js';
import { LogMessageType } from '../../src/protocol/wire.js';
import { MessageType, ProposerRole, encodeValue, makeBallot, type Message, type NodeId, type PromiseMessage } from '../../src/paxos/index.js';

function standby(clients: NodeId[] = []): { driver: ProposerDriver; sent: Array<{ to: NodeId; message: Message }> } {
  const sent: Array<{ to: NodeId; message: Message }> = [];
  const driver = new ProposerDriver({
    config: { id: 1, proposers: [0, 1], acceptors: [2, 3, 4], learners: [5], random: () => 0.5, heartbeatIntervalMs: 20, electionTimeoutMs: 100 },
    transport: { send: (to, message) => sent.push({ to, message }) },
    clients: () => clients,
  });
  return { driver, sent };
}

const campaign = { type: LogMessageType.Campaign, from: 9 };

describe('a Campaign request', () => {
  it('starts an election from a follower, and a second one during it changes nothing', () => {
    const { driver, sent } = standby();
    driver.receive(campaign, 0);
    expect(driver.proposer.role).toBe(ProposerRole.Candidate);
    const prepares = sent.filter(({ message }) => message.type === MessageType.Prepare);
    expect(prepares.map(({ to }) => to)).toEqual([2, 3, 4]);
    const ballot = driver.proposer.ballot;
    driver.receive(campaign, 1);
    expect(driver.proposer.ballot).toBe(ballot);
    expect(sent.filter(({ message }) => message.type === MessageType.Prepare)).toHaveLength(3);
  });

  it('once it leads, tells the clients before it re-proposes what it recovered', () => {
    const { driver, sent } = standby([7, 8]);
    driver.receive(campaign, 0);
    const ballot = driver.proposer.ballot;
    // Two acceptors promise, each with 100 slots accepted under the old leader's ballot.
    const oldBallot = makeBallot(1, 0);
    const entries = Array.from({ length: 100 }, (_, slot) => ({ slot, ballot: oldBallot, value: encodeValue([{ clientId: 7, seq: slot + 1, data: new Uint8Array([slot]) }]) }));
    sent.length = 0;
    for (const from of [2, 3]) {
      const promise: PromiseMessage = { type: MessageType.Promise, from, ballot, logStart: 0, entries, part: 0, parts: 1 };
      driver.receive(promise, 1);
    }
    expect(driver.proposer.role).toBe(ProposerRole.Leader);
    const firstAccept = sent.findIndex(({ message }) => message.type === MessageType.Accept);
    const announcements = sent.flatMap(({ to, message }, at) => ((message.type as number) === LogMessageType.NewLeader ? [{ to, at }] : []));
    expect(firstAccept).toBeGreaterThanOrEqual(0);
    expect(announcements.map(({ to }) => to)).toEqual([7, 8]);
    expect(announcements.every(({ at }) => at < firstAccept)).toBe(true);
  });
});
