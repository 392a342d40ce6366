// The log under its supervisor: killed or crashed actors come back by themselves, from their storage.
import { describe, expect, it } from 'vitest';
import { ActorSystem, type ActorRestartEvent } from 'synod/actors';
import { MessageType, makeBallot, type NackMessage, type PromiseMessage } from 'synod/paxos';
import { createSharedStoreMemory } from 'synod/storage';
import { logLimits, type ReplicatedLog } from 'synod';
import { tagEntry } from '../fixtures/log/entry.js';
import { closedAfterEach, readAll } from './helpers.js';

const { openLog } = closedAfterEach();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (a few seconds at most) until every actor runs: 'starting' counts as alive in actors(), so also until each answers. */
async function untilAllAlive(log: ReplicatedLog): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const actors = await log.cluster.actors();
    const answering = await Promise.all(actors.map((actor) => log.cluster.counters(actor.id).then(() => true, () => false)));
    if (answering.every(Boolean)) return;
    await sleep(5);
  }
}

describe('a supervised log', () => {
  it('acknowledges again after its only learner crashed, with no restart by hand, from the learner\'s store', async () => {
    // Without a supervisor nothing would acknowledge again: only the learner numbers and acknowledges entries.
    const log = await openLog({ appendTimeoutMs: 5000 });
    const learner = (await log.cluster.actors()).find((actor) => actor.role === 'learner')!.id;
    const indexes: number[] = [];
    for (let i = 0; i < 200; i++) indexes.push(await log.append(tagEntry(4, i)));
    const during = Array.from({ length: 50 }, (_, i) => log.append(tagEntry(4, 200 + i)));
    await log.cluster.kill(learner);
    indexes.push(...(await Promise.all(during)));
    for (let i = 250; i < 300; i++) indexes.push(await log.append(tagEntry(4, i)));
    const tags = await readAll(log);
    expect(tags).toHaveLength(300);
    indexes.forEach((index, i) => expect(tags[index]).toEqual({ writer: 4, seq: i }));
    expect((await log.status()).actors.find((actor) => actor.id === learner)).toMatchObject({ alive: true, restarts: 1 });
  });

  it('keeps committing with two of three acceptors killed, nobody restarting them by hand: every acknowledged entry is at its index', async () => {
    // Without a supervisor no majority would be left: these appends would wait out appendTimeoutMs and fail.
    const log = await openLog({ appendTimeoutMs: 5000 });
    const acceptors = (await log.cluster.actors()).filter((actor) => actor.role === 'acceptor').map((actor) => actor.id);
    const indexes: number[] = [];
    for (let i = 0; i < 20; i++) indexes.push(await log.append(tagEntry(3, i)));
    const during = Array.from({ length: 50 }, (_, i) => log.append(tagEntry(3, 20 + i)));
    await Promise.all([log.cluster.kill(acceptors[0]!), log.cluster.kill(acceptors[1]!)]);
    indexes.push(...(await Promise.all(during)));
    for (let i = 70; i < 100; i++) indexes.push(await log.append(tagEntry(3, i)));
    // And again, the same two, once both are back: a second crash of each is restarted too.
    await untilAllAlive(log);
    await log.cluster.kill(acceptors[0]!);
    await log.cluster.kill(acceptors[1]!);
    for (let i = 100; i < 120; i++) indexes.push(await log.append(tagEntry(3, i)));
    const tags = await readAll(log);
    expect(tags).toHaveLength(120);
    indexes.forEach((index, seq) => expect(tags[index], `append ${seq} resolved to ${index}`).toEqual({ writer: 3, seq }));
    await untilAllAlive(log); // the second acceptor back may still be starting: a majority did not need it
    const after = await log.cluster.actors();
    expect(after.every((actor) => actor.alive)).toBe(true);
    expect(after.filter((actor) => acceptors.includes(actor.id)).map((actor) => actor.restarts)).toEqual([2, 2, 0]);
  });

  it('brings back a killed leader by itself while the other proposer takes over', async () => {
    const log = await openLog();
    await log.append(tagEntry(4, 0));
    const leader = (await log.cluster.actors()).find((actor) => actor.leader)!;
    await log.cluster.kill(leader.id);
    expect(await log.append(tagEntry(4, 1))).toBe(1);
    await untilAllAlive(log);
    const proposers = (await log.cluster.actors()).filter((actor) => actor.role === 'proposer');
    expect(proposers.every((actor) => actor.alive)).toBe(true);
  });

  it('with supervision: false, or killed with restart: false, an actor stays down until cluster.restart', async () => {
    const log = await openLog({ supervision: false });
    const [a, b] = (await log.cluster.actors()).filter((actor) => actor.role === 'acceptor').map((actor) => actor.id);
    await log.cluster.kill(a!);
    const held = await openLog({ supervision: { backoffInitialMs: 0 } });
    const heldAcceptor = (await held.cluster.actors()).find((actor) => actor.role === 'acceptor')!.id;
    await held.cluster.kill(heldAcceptor, { restart: false });
    await sleep(200);
    expect((await log.cluster.actors()).find((actor) => actor.id === a)!.alive).toBe(false);
    expect((await held.cluster.actors()).find((actor) => actor.id === heldAcceptor)!.alive).toBe(false);
    await log.cluster.restart(a!);
    await held.cluster.restart(heldAcceptor);
    expect((await log.cluster.actors()).every((actor) => actor.alive)).toBe(true);
    expect((await held.cluster.actors()).every((actor) => actor.alive)).toBe(true);
    void b;
  });
});

describe("an acceptor that crashes in receive", () => {
  it('is restarted by the supervisor and keeps its promise', async () => {
    // The real acceptor behaviour on a bare actor system, an endpoint playing its proposer.
    const system = new ActorSystem({ ringBytes: 1 << 16 });
    try {
      const restarted = new Promise<ActorRestartEvent>((resolve) => system.once('actorRestart', resolve));
      const proposer = system.endpoint('proposer');
      const acceptorId = proposer.id + 1;
      const layout = { proposers: [proposer.id], acceptors: [acceptorId], learners: [] };
      await system.spawn({
        id: acceptorId,
        role: 'acceptor',
        module: new URL('../../dist/src/log/actors/acceptor-actor.js', import.meta.url),
        config: { layout, limits: logLimits(1 << 16), store: { kind: 'shared', memory: createSharedStoreMemory(1 << 22) } },
      });
      const promised = makeBallot(7, proposer.id);
      proposer.send(acceptorId, { type: MessageType.Prepare, from: proposer.id, ballot: promised, fromSlot: 0 });
      const promise = (await proposer.receive(10_000)).message as PromiseMessage;
      expect(promise).toMatchObject({ type: MessageType.Promise, ballot: promised });

      proposer.send(acceptorId, null); // not a message: the acceptor's receive throws
      expect(await restarted).toMatchObject({ id: acceptorId, role: 'acceptor', restarts: 1, supervised: true });
      expect(system.actors()[0]!.exitReason).toBeUndefined();

      // The new instance read its promise back from the store: a lower ballot is refused with it.
      proposer.send(acceptorId, { type: MessageType.Prepare, from: proposer.id, ballot: makeBallot(6, proposer.id), fromSlot: 0 });
      const nack = (await proposer.receive(10_000)).message as NackMessage;
      expect(nack).toMatchObject({ type: MessageType.Nack, promised });
    } finally {
      await system.close();
    }
  });
});
