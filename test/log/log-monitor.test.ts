// The log's monitor on its own: the runtime's actor events (actorExit today; actorRestart and
// actorGaveUp from its supervisor) and the client's notices become the log's events, once each.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ActorSystem } from 'synod/actors';
import { LogMonitor } from '../../src/log/log-monitor.js';
import { LogMessageType, type StorageFailureMessage } from '../../src/protocol/wire.js';

const layout = { proposers: [0, 1], acceptors: [2, 3, 4], learners: [5] };

function monitored(): { monitor: LogMonitor; system: EventEmitter; events: Array<[string, unknown]> } {
  const events: Array<[string, unknown]> = [];
  const monitor = new LogMonitor(layout, (name, event) => void events.push([name, event]));
  const system = new EventEmitter();
  monitor.watch(system as unknown as ActorSystem);
  return { monitor, system, events };
}

describe('LogMonitor', () => {
  it("a supervised restart and the cluster's restart of the same actor are one actorRestart; gave-up is forwarded with the log's role", () => {
    const { monitor, system, events } = monitored();
    system.emit('actorExit', { id: 3, role: 'acceptor', worker: 'actor-3', reason: 'crashed: boom' });
    system.emit('actorRestart', { id: 3, role: 'acceptor', worker: 'actor-3', restarts: 1, downMs: 12, supervised: true });
    monitor.actorBack(3, undefined, false);
    system.emit('actorExit', { id: 0, role: 'proposer', worker: 'actor-0', reason: 'crashed: boom' });
    system.emit('actorGaveUp', { id: 0, role: 'proposer', worker: 'actor-0', reason: 'crashed: boom', restarts: 5 });
    expect(events).toEqual([
      ['actorExit', { id: 3, role: 'acceptor', worker: 'actor-3', reason: 'crashed: boom' }],
      ['actorRestart', { id: 3, role: 'acceptor', worker: 'actor-3', restarts: 1, downMs: 12, supervised: true }],
      ['actorExit', { id: 0, role: 'proposer', worker: 'actor-0', reason: 'crashed: boom' }],
      ['actorGaveUp', { id: 0, role: 'proposer', worker: 'actor-0', reason: 'crashed: boom', restarts: 5 }],
    ]);
    expect(monitor.counts).toMatchObject({ actorExits: 2, actorRestarts: 1, actorGaveUps: 1, quorumLosses: 0 });
    expect(monitor.restartsOf(3)).toBe(1);
  });

  it('quorum is crossed once each way, however many acceptors come and go', () => {
    const { monitor, system, events } = monitored();
    for (const id of [2, 3, 4]) system.emit('actorExit', { id, role: 'acceptor', worker: `actor-${id}`, reason: 'killed' });
    monitor.actorBack(2, undefined, false);
    monitor.actorBack(3, undefined, false);
    monitor.actorBack(4, undefined, false);
    expect(events.map(([name]) => name).filter((name) => name.startsWith('quorum'))).toEqual(['quorumLost', 'quorumRegained']);
    expect(events.find(([name]) => name === 'quorumLost')![1]).toEqual({ acceptors: 3, acceptorsAlive: 1, acceptorsNeeded: 2 });
    expect(monitor.quorum).toEqual({ acceptors: 3, acceptorsAlive: 3, acceptorsNeeded: 2, ok: true });
  });

  it('the same leader announced again is no change; a disk error other than a full one is storageError', () => {
    const { monitor, events } = monitored();
    monitor.leaderAnnounced(0);
    monitor.leaderAnnounced(0);
    monitor.leaderAnnounced(1);
    const failure: StorageFailureMessage = { type: LogMessageType.StorageFailure, from: 5, code: 'EIO', errno: 5, path: '/data/learner-5.log' };
    monitor.storageFailureChanged(failure);
    monitor.storageFailureChanged(failure);
    monitor.storageFailureChanged(undefined);
    monitor.storageFailureChanged(undefined);
    expect(events.map(([name]) => name)).toEqual(['leaderChange', 'leaderChange', 'storageError', 'storageRecovered']);
    expect(events[1]![1]).toEqual({ leader: 1, previous: 0 });
    expect(events[2]![1]).toEqual({ code: 'EIO', errno: 5, path: '/data/learner-5.log', reportedBy: 5 });
    expect(monitor.counts).toMatchObject({ leaderChanges: 2, storageFailures: 1 });
  });
});
