// A standby is asked to campaign twice for one death: when the leader is killed (the runtime
// knows first) and again by the runtime's exit event. The second request must not restart the
// election under way, which would throw away the Promises already on their way back.
import { describe, expect, it } from 'vitest';
import { ProposerDriver } from '../../src/driver/index.js';
import { LogMessageType } from '../../src/log/wire.js';
import { MessageType, ProposerRole, type Message, type NodeId } from '../../src/paxos/index.js';

function standby(): { driver: ProposerDriver; sent: Array<{ to: NodeId; message: Message }> } {
  const sent: Array<{ to: NodeId; message: Message }> = [];
  const driver = new ProposerDriver({
    config: { id: 1, proposers: [0, 1], acceptors: [2, 3, 4], learners: [5], random: () => 0.5, heartbeatIntervalMs: 20, electionTimeoutMs: 100 },
    transport: { send: (to, message) => sent.push({ to, message }) },
    clients: () => [],
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
});
