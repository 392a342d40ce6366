// The log's events (leaderChange, actorExit, actorRestart, quorumLost, quorumRegained, storageFull,
// storageRecovered), the same on node:diagnostics_channel, and emitting that never throws into synod.
import diagnosticsChannel from 'node:diagnostics_channel';
import { EventEmitter, once } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOG_EVENT_CHANNELS, ReplicatedLog, Sequencer, StorageFullError, type LeaderChangeEvent, type LogEventMap, type QuorumEvent } from 'synod';
import { emitLogEvent } from '../../src/log/log-events.js';
import { appendUntilRefused, closedAfterEach } from './helpers.js';

const { openLog, track } = closedAfterEach();

/** Subscribes to a channel for the test; every message it carries is kept. */
function subscribe(name: string): unknown[] {
  const messages: unknown[] = [];
  const onMessage = (message: unknown) => messages.push(message);
  diagnosticsChannel.subscribe(name, onMessage);
  unsubscribes.push(() => diagnosticsChannel.unsubscribe(name, onMessage));
  return messages;
}
let unsubscribes: Array<() => void> = [];
afterEach(() => {
  for (const unsubscribe of unsubscribes) unsubscribe();
  unsubscribes = [];
});

describe('log events', () => {
  it('leaderChange fires when the leader is killed, naming the new leader; the channel carries the same', async () => {
    // A long election timeout: on a loaded machine a standby must not take over on its own before
    // the kill (the test would then kill a standby and wait for a change that already happened).
    // The kill itself asks the standby to campaign at once.
    const log = await openLog({ electionTimeoutMs: 5000, heartbeatIntervalMs: 100 });
    const published = subscribe(LOG_EVENT_CHANNELS.leaderChange);
    const leader = (await log.cluster.actors()).find((actor) => actor.leader)!;
    const changesBefore = log.metrics().leaderChangesTotal;
    const changes: LeaderChangeEvent[] = [];
    log.on('leaderChange', (event) => changes.push(event));
    const changed = once(log, 'leaderChange');
    // A connected thread's log hears the announcement too (this one knew no leader before it).
    const connected = track(await ReplicatedLog.connect(log.handle()));
    const changedThere = once(connected, 'leaderChange');
    await log.cluster.kill(leader.id, { restart: false }); // held down, so the standby's leadership is the one change

    const [event] = (await changed) as [LeaderChangeEvent];
    expect(await changedThere).toEqual([{ leader: event.leader, previous: undefined }]);
    expect(connected.metrics().leaderId).toBe(event.leader);
    expect(event.previous).toBe(leader.id);
    expect(event.leader).not.toBe(leader.id);
    // Each log publishes what it heard, naming itself.
    expect(published).toHaveLength(2);
    expect(published).toContainEqual({ ...changes[0], log });
    expect(published).toContainEqual({ leader: event.leader, previous: undefined, log: connected });
    const status = await log.status();
    expect(status.leader).toBe(event.leader);
    expect(status.actors.find((actor) => actor.id === leader.id)).toMatchObject({ alive: false, exitReason: 'killed' });
    expect(log.metrics().leaderChangesTotal).toBe(changesBefore + changes.length);
    // Appends go on under the new leader.
    expect(await log.append(new Uint8Array([1]))).toBe(0);
  });

  it('quorumLost when 2 of 3 acceptors die, quorumRegained when one is restarted; actorExit and actorRestart with the log roles', async () => {
    const log = await openLog();
    const acceptors = (await log.cluster.actors()).filter((actor) => actor.role === 'acceptor').map((actor) => actor.id);
    const seen: Array<[keyof LogEventMap, unknown]> = [];
    for (const name of ['actorExit', 'actorRestart', 'quorumLost', 'quorumRegained'] as const) log.on(name, (event: unknown) => seen.push([name, event]));
    const exits = subscribe(LOG_EVENT_CHANNELS.actorExit);
    const lost = subscribe(LOG_EVENT_CHANNELS.quorumLost);
    // Held down: the supervisor would bring them back by itself (the next test).
    await log.cluster.kill(acceptors[0]!, { restart: false });
    expect(seen.map(([name]) => name)).toEqual(['actorExit']);
    await log.cluster.kill(acceptors[1]!, { restart: false });
    const down: QuorumEvent = { acceptors: 3, acceptorsAlive: 1, acceptorsNeeded: 2 };
    expect(seen).toEqual([
      ['actorExit', { id: acceptors[0], role: 'acceptor', worker: `actor-${acceptors[0]}`, reason: 'killed' }],
      ['actorExit', { id: acceptors[1], role: 'acceptor', worker: `actor-${acceptors[1]}`, reason: 'killed' }],
      ['quorumLost', down],
    ]);
    expect(exits).toEqual([seen[0]![1], seen[1]![1]].map((event) => ({ ...(event as object), log })));
    expect(lost).toEqual([{ ...down, log }]);
    expect((await log.status()).quorum).toEqual({ ...down, ok: false });
    await log.cluster.restart(acceptors[1]!);
    expect(seen.slice(3).map(([name]) => name)).toEqual(['actorRestart', 'quorumRegained']);
    expect(seen[3]![1]).toMatchObject({ id: acceptors[1], role: 'acceptor', restarts: 1, supervised: false });
    expect(seen[4]![1]).toEqual({ acceptors: 3, acceptorsAlive: 2, acceptorsNeeded: 2 });
    const status = await log.status();
    expect(status.quorum.ok).toBe(true);
    expect(status.actors.find((actor) => actor.id === acceptors[1])).toMatchObject({ alive: true, restarts: 1 });
    expect(log.metrics()).toMatchObject({ actorExitsTotal: 2, actorRestartsTotal: 1, quorumLossesTotal: 1, quorumOk: 1, acceptorsAlive: 2 });
    expect(await log.append(new Uint8Array([2]))).toBe(0);
  });

  it('a crash the supervisor repairs is reported: actorExit, then actorRestart with supervised: true', async () => {
    const log = await openLog();
    const acceptor = (await log.cluster.actors()).find((actor) => actor.role === 'acceptor')!.id;
    const exited = once(log, 'actorExit');
    const restarted = once(log, 'actorRestart');
    await log.cluster.kill(acceptor);
    expect((await exited)[0]).toMatchObject({ id: acceptor, role: 'acceptor', reason: 'killed' });
    expect((await restarted)[0]).toMatchObject({ id: acceptor, role: 'acceptor', restarts: 1, supervised: true });
    expect(log.metrics()).toMatchObject({ actorExitsTotal: 1, actorRestartsTotal: 1, quorumLossesTotal: 0 });
  });

  it('storageFull when memoryBytesMax is reached, storageRecovered once trim made room', async () => {
    const log = await openLog({ ringBytes: 65_536, memoryBytesMax: 1 << 20, appendTimeoutMs: 20_000 });
    const full = subscribe(LOG_EVENT_CHANNELS.storageFull);
    const fullEvent = once(log, 'storageFull');
    const episodes: string[] = [];
    log.on('storageFull', () => episodes.push('full'));
    log.on('storageRecovered', () => episodes.push('recovered'));
    const { entry, acknowledged, failure } = await appendUntilRefused(log);
    expect(failure).toBeInstanceOf(StorageFullError);
    const [event] = await fullEvent;
    expect(event).toMatchObject({ code: 'ENOSPC', path: 'shared memory' });
    // The channel carries each storageFull event (on a slow machine a failure may go stale after a
    // second without a report and be reported again while the appends keep failing).
    expect(full[0]).toEqual({ ...event, log });
    expect(full).toHaveLength(episodes.filter((name) => name === 'full').length);
    const status = await log.status();
    // Over as soon as an append commits or a second passes without a report: either is possible here.
    if (status.storage.state !== 'ok') expect(status.storage).toMatchObject({ kind: 'memory', state: 'full', failure: { code: 'ENOSPC' } });
    expect(log.metrics().appendsFailedStorageFullTotal).toBeGreaterThan(0);
    expect(log.metrics().storageFailuresTotal).toBeGreaterThanOrEqual(1);
    await log.trim(Math.max(...acknowledged) - 10);
    let resumed = false;
    const deadline = performance.now() + 15_000;
    while (!resumed && performance.now() < deadline) resumed = await log.append(entry(0)).then(() => true, () => false);
    expect(resumed).toBe(true);
    // An acknowledged append ends a failure at once; one may also have gone stale before.
    expect(episodes.length % 2).toBe(0);
    expect(episodes.every((name, i) => name === (i % 2 === 0 ? 'full' : 'recovered'))).toBe(true);
    expect((await log.status()).storage.state).toBe('ok');
  });

  it('a sequencer emits the same, and the channel names the sequencer', async () => {
    const sequencer = track(await Sequencer.open());
    const exits = subscribe(LOG_EVENT_CHANNELS.actorExit);
    const acceptor = (await sequencer.cluster.actors()).find((actor) => actor.role === 'acceptor')!;
    const exited = once(sequencer, 'actorExit');
    await sequencer.cluster.kill(acceptor.id);
    const [event] = await exited;
    expect(event).toMatchObject({ id: acceptor.id, role: 'acceptor', reason: 'killed' });
    expect(exits).toEqual([{ ...event, log: sequencer }]);
    expect(await sequencer.next()).toBe(0);
  });
});

describe('emitting', () => {
  it('never throws into synod: a throwing listener is rethrown on the next tick, as Node does', () => {
    const deferred: Array<() => void> = [];
    const nextTick = vi.spyOn(process, 'nextTick').mockImplementation(((callback: () => void) => void deferred.push(callback)) as typeof process.nextTick);
    const target = new EventEmitter<LogEventMap>();
    const boom = new Error('listener bug');
    const heard: string[] = [];
    target.on('quorumLost', () => {
      throw boom;
    });
    target.on('quorumLost', () => heard.push('second'));
    const published = subscribe(LOG_EVENT_CHANNELS.quorumLost);
    const source = {};
    try {
      expect(() => emitLogEvent(target, source, 'quorumLost', { acceptors: 3, acceptorsAlive: 1, acceptorsNeeded: 2 })).not.toThrow();
    } finally {
      nextTick.mockRestore();
    }
    expect(published).toEqual([{ acceptors: 3, acceptorsAlive: 1, acceptorsNeeded: 2, log: source }]);
    // Node's EventEmitter semantics: the listeners after the one that threw do not hear it.
    expect(heard).toEqual([]);
    expect(deferred).toHaveLength(1);
    expect(() => deferred[0]!()).toThrow(boom);
  });
});
