// Two proposers' NewLeader announcements reach a client on two mailboxes, which it drains in turn:
// the announcement of the proposer that took over may be read before the one of the leader it
// replaced. Each carries its ballot, and a client (its append core, and the log's monitor that
// status() reads) takes the higher ballot's: seen on a loaded machine, the older announcement read
// last left status() naming a proposer that no longer led, for good.
import { describe, expect, it } from 'vitest';
import { AppendCore } from '../../src/protocol/append-core.js';
import { LogMonitor } from '../../src/log/log-monitor.js';
import { LogMessageType, type ClientRequestBatchMessage } from '../../src/protocol/wire.js';
import { makeBallot } from '../../src/paxos/index.js';

function core() {
  const sentTo: number[] = [];
  const announced: [number, number | undefined][] = [];
  const appends = new AppendCore<number>(
    { generation: 0, endpointId: 9, proposers: [0, 1], inflightAppendsMax: 64, appendTimeoutMs: 30_000, resendAfterMs: 100, requestBatchBytesMax: 1 << 16 },
    {
      send: (to, message) => {
        if ((message as ClientRequestBatchMessage).type === LogMessageType.ClientRequestBatch) sentTo.push(to);
      },
      resolved: () => undefined,
      rejected: () => undefined,
      leaderAnnounced: (leader, ballot) => announced.push([leader, ballot]),
    },
  );
  const announce = (from: number, ballot: number | undefined, nowMs: number): void => {
    appends.onMessage({ type: LogMessageType.NewLeader, from, ...(ballot === undefined ? {} : { ballot }) } as never, nowMs);
    appends.flush();
  };
  const submit = (token: number, nowMs: number): number => {
    appends.submit(token, new Uint8Array(4), 1, nowMs);
    appends.flush();
    return sentTo.at(-1)!;
  };
  return { announce, submit, announced };
}

describe('NewLeader announcements read out of order', () => {
  it("leave a client's appends with the higher ballot's leader, and tell the monitor of it only", () => {
    const { announce, submit, announced } = core();
    const older = makeBallot(3, 0);
    const newer = makeBallot(4, 1);
    announce(1, newer, 0);
    expect(submit(1, 1)).toBe(1);
    // The replaced leader's announcement, read last: stale, not taken.
    announce(0, older, 2);
    expect(submit(2, 3)).toBe(1);
    expect(announced).toEqual([[1, newer]]);
    // A later leadership is taken, by either proposer; the same leader announcing again too.
    const later = makeBallot(5, 0);
    announce(0, later, 4);
    expect(submit(3, 5)).toBe(0);
    announce(0, later, 6);
    expect(announced).toEqual([
      [1, newer],
      [0, later],
      [0, later],
    ]);
    // An announcement that says no ballot is taken as it comes.
    announce(1, undefined, 7);
    expect(submit(4, 8)).toBe(1);
  });

  it("leave the monitor's leader at the higher ballot's, with one leaderChange event per change", () => {
    const events: unknown[] = [];
    const monitor = new LogMonitor({ proposers: [0, 1], acceptors: [2, 3, 4], learners: [5] }, (name, event) => events.push([name, event]));
    monitor.leaderAnnounced(1, makeBallot(4, 1));
    monitor.leaderAnnounced(0, makeBallot(3, 0));
    expect(monitor.leader).toBe(1);
    monitor.leaderAnnounced(0, makeBallot(5, 0));
    expect(monitor.leader).toBe(0);
    // open() found the leader by its counters (a ballot), before the NewLeader of a leader it replaced came.
    monitor.leaderAnnounced(1, makeBallot(4, 1));
    expect(monitor.leader).toBe(0);
    expect(events).toEqual([
      ['leaderChange', { leader: 1, previous: undefined }],
      ['leaderChange', { leader: 0, previous: 1 }],
    ]);
  });
});
