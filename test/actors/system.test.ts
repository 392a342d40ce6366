import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ActorNotRunningError,
  ActorSystem,
  ActorSystemClosedError,
  UnknownActorError,
  Endpoint,
  type ActorExitEvent,
  type ActorRestartEvent,
} from 'synod/actors';
import { DOORBELL_PARKED_INDEX, createDoorbell } from 'synod/mailbox';

const behaviour = (name: string) => new URL(`../../dist/test/fixtures/actors/${name}.js`, import.meta.url);

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.close();
  system = undefined;
});

function newSystem(): ActorSystem {
  system = new ActorSystem({ ringBytes: 1 << 16 });
  return system;
}

async function ask(endpoint: Endpoint, to: number, message: unknown): Promise<unknown> {
  expect(endpoint.send(to, message)).toBe(true);
  return (await endpoint.receive(10_000)).message;
}

describe('actors on worker threads', () => {
  it('each actor gets a thread of its own by default, reported by the control plane', async () => {
    const actors = newSystem();
    const a = await actors.spawn({ role: 'echo', module: behaviour('echo') });
    const b = await actors.spawn({ role: 'counter', module: behaviour('counter') });
    const listed = actors.actors();
    expect(listed.map(({ id, role, alive }) => ({ id, role, alive }))).toEqual([
      { id: a, role: 'echo', alive: true },
      { id: b, role: 'counter', alive: true },
    ]);
    const threads = new Set(listed.map((info) => info.threadId));
    expect(threads.size).toBe(2);
    expect(threads.has(threadId)).toBe(false);
  });

  it('co-locates actors that name the same worker, and they still talk through mailboxes', async () => {
    const actors = newSystem();
    const endpoint = actors.endpoint();
    const sinkId = 10;
    const producerId = await actors.spawn({ role: 'producer', module: behaviour('producer'), worker: 'shared', config: { target: sinkId, count: 50_000, startOn: 'message' } });
    await actors.spawn({ id: sinkId, role: 'sink', module: behaviour('sink'), worker: 'shared', config: { senders: [producerId], expectedPerSender: 50_000, reportTo: endpoint.id } });
    const [p, s] = actors.actors();
    expect(p!.threadId).toBe(s!.threadId);
    endpoint.send(producerId, { go: true });
    const report = (await endpoint.receive(30_000)).message as { perSender: Record<string, number>; errors: string[] };
    expect(report.errors).toEqual([]);
    expect(report.perSender).toEqual({ [producerId]: 50_000 });
  });

  it('echoes ten thousand messages back to an endpoint in order', async () => {
    const actors = newSystem();
    const endpoint = actors.endpoint();
    const echo = await actors.spawn({ role: 'echo', module: behaviour('echo') });
    const received: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      await endpoint.sendAsync(echo, { i, payload: new Uint8Array([i & 0xff, 1, 2]) });
      if (i % 500 === 499) while (received.length <= i) received.push(((await endpoint.receive(10_000)).message as { i: number }).i);
    }
    expect(received).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    const counters = await actors.counters(echo);
    expect(counters.received).toBe(10_000);
    expect(counters.sent).toBe(10_000);
    // The thread's wake-ups: passes that handled messages (at most one per message) and parks between them.
    expect(counters.threadPasses).toBeGreaterThanOrEqual(20);
    expect(counters.threadPasses).toBeLessThanOrEqual(10_000);
    expect(counters.threadParks).toBeGreaterThanOrEqual(20);
  });

  it('fans four producers on four threads into one sink: no loss, no duplicate, in order per sender', async () => {
    const actors = newSystem();
    const endpoint = actors.endpoint();
    const sinkId = 100;
    const producers: number[] = [];
    for (let i = 0; i < 4; i++) {
      producers.push(await actors.spawn({ id: i + 1, role: 'producer', module: behaviour('producer'), config: { target: sinkId, count: 100_000, startOn: 'message' } }));
    }
    await actors.spawn({ id: sinkId, role: 'sink', module: behaviour('sink'), config: { senders: producers, expectedPerSender: 100_000, reportTo: endpoint.id } });
    for (const producer of producers) endpoint.send(producer, { go: true });
    const report = (await endpoint.receive(60_000)).message as { perSender: Record<string, number>; errors: string[] };
    expect(report.errors).toEqual([]);
    expect(report.perSender).toEqual({ 1: 100_000, 2: 100_000, 3: 100_000, 4: 100_000 });
  });

  it('flushes once after each batch of messages, after every receive of that batch', async () => {
    const actors = newSystem();
    const endpoint = actors.endpoint();
    const batcher = await actors.spawn({ role: 'batcher', module: behaviour('batcher') });
    for (let n = 0; n < 1000; n++) endpoint.send(batcher, { n });
    const seen: number[] = [];
    let batches = 0;
    while (seen.length < 1000) {
      const { batch } = (await endpoint.receive(10_000)).message as { batch: number[] };
      expect(batch.length).toBeGreaterThan(0);
      seen.push(...batch);
      batches++;
    }
    expect(seen).toEqual(Array.from({ length: 1000 }, (_, n) => n));
    expect(batches).toBeLessThan(1000); // sent before the actor looked: it got them in batches
  });

  it('fires timers', async () => {
    const actors = newSystem();
    const endpoint = actors.endpoint();
    await actors.spawn({ role: 'ticker', module: behaviour('ticker'), config: { periodMs: 2, ticks: 25, reportTo: endpoint.id } });
    expect((await endpoint.receive(10_000)).message).toEqual({ ticks: 25 });
  });

  it('runs idle() while there is no message: never parking while it has work, answering every message meanwhile, parking once it has none', async () => {
    const actors = newSystem();
    const endpoint = actors.endpoint();
    const busy = await actors.spawn({ role: 'idler', module: behaviour('idler'), config: { workCalls: -1 } });
    // Endless idle work keeps no message waiting: each is answered.
    let idleCalls = 0;
    for (let i = 0; i < 20; i++) {
      const reply = (await ask(endpoint, busy, {})) as { idleCalls: number };
      expect(reply.idleCalls).toBeGreaterThanOrEqual(idleCalls);
      idleCalls = reply.idleCalls;
    }
    expect(idleCalls).toBeGreaterThan(0);
    // ... and the thread never parks meanwhile (its loop looks at the inbox, then idles again).
    const parksBusy = (await actors.counters(busy)).threadParks!;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await actors.counters(busy)).threadParks).toBe(parksBusy);

    // Work that runs out: idle() returns false, and the thread parks as any idle thread does.
    const done = await actors.spawn({ role: 'idler', module: behaviour('idler'), config: { workCalls: 1000 } });
    let state = (await ask(endpoint, done, {})) as { idleCalls: number; workLeft: number };
    // Asked again after a pause, not back to back: asks in a row may take the passes
    // the idle work runs in (on 2 busy cores 100 asks in a row once left 178 of the 1000 calls).
    const untilWorkDone = async (): Promise<void> => {
      const deadline = Date.now() + 10_000;
      while (state.workLeft > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        state = (await ask(endpoint, done, {})) as typeof state;
      }
    };
    await untilWorkDone();
    expect(state.workLeft).toBe(0);
    expect(state.idleCalls).toBeGreaterThanOrEqual(1000);
    const parksBefore = (await actors.counters(done)).threadParks!;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await actors.counters(done)).threadParks).toBeGreaterThan(parksBefore);
    // More work wakes it: a message gives it 50 more idle calls, which it does before parking again.
    state = (await ask(endpoint, done, { more: 50 })) as typeof state;
    await untilWorkDone();
    expect(state.workLeft).toBe(0);
  });

  it("reports its thread's CPU time (Linux): it grows with the work the actor does", async () => {
    const actors = newSystem();
    const endpoint = actors.endpoint();
    const echo = await actors.spawn({ role: 'echo', module: behaviour('echo') });
    const before = (await actors.counters(echo)).threadCpuMicros;
    if (process.platform !== 'linux') {
      expect(before).toBeUndefined();
      return;
    }
    expect(before).toBeGreaterThan(0);
    for (let i = 0; i < 20_000; i++) {
      await endpoint.sendAsync(echo, { i, payload: new Uint8Array(256) });
      if (i % 500 === 499) for (let k = 0; k < 500; k++) await endpoint.receive(10_000);
    }
    const after = (await actors.counters(echo)).threadCpuMicros!;
    // 20,000 messages received, decoded and echoed: well over a millisecond of one thread.
    expect(after - before!).toBeGreaterThan(1000);
  });

  it("reports the fresh pages its thread faulted in (Linux): the thread that touched new memory, not its neighbour", async () => {
    const actors = newSystem();
    const endpoint = actors.endpoint();
    const toucher = await actors.spawn({ role: 'toucher', module: behaviour('toucher') });
    const bystander = await actors.spawn({ role: 'counter', module: behaviour('counter') });
    const faults = async (id: number) => (await actors.counters(id)).threadMinorFaults;
    const [toucherBefore, bystanderBefore] = [await faults(toucher), await faults(bystander)];
    if (process.platform !== 'linux') {
      expect(toucherBefore).toBeUndefined();
      return;
    }
    const touchBytes = 32 * 1024 * 1024;
    expect(await ask(endpoint, toucher, { touchBytes })).toEqual({ touchedBytes: touchBytes });
    const toucherFaults = (await faults(toucher))! - toucherBefore!;
    const bystanderFaults = (await faults(bystander))! - bystanderBefore!;
    // One fault per 4 KiB page (8192 here), or per 2 MiB where the kernel backs it with huge pages.
    expect(toucherFaults).toBeGreaterThanOrEqual(touchBytes / (2 * 1024 * 1024));
    expect(bystanderFaults).toBeLessThan(toucherFaults);
  });
});

describe('supervision', () => {
  it('detects a worker killed without a supervised restart, keeps the others running, and restart() brings it back on a new thread', async () => {
    const actors = newSystem();
    const endpoint = actors.endpoint();
    const victim = await actors.spawn({ role: 'counter', module: behaviour('counter') });
    const bystander = await actors.spawn({ role: 'counter', module: behaviour('counter') });
    const exits: ActorExitEvent[] = [];
    actors.on('actorExit', (event) => exits.push(event));
    endpoint.send(victim, { add: 5 });
    expect(await ask(endpoint, victim, { get: true })).toEqual({ count: 5 });
    const threadBefore = actors.actors().find((info) => info.id === victim)!.threadId;

    await actors.kill(victim, { restart: false });
    expect(exits).toEqual([{ id: victim, role: 'counter', worker: `actor-${victim}`, reason: 'killed' }]);
    expect(actors.actors().find((info) => info.id === victim)).toMatchObject({ alive: false, exitReason: 'killed' });
    await expect(actors.counters(victim)).rejects.toBeInstanceOf(ActorNotRunningError);
    endpoint.send(bystander, { add: 2 });
    expect(await ask(endpoint, bystander, { get: true })).toEqual({ count: 2 });

    await new Promise((resolve) => setTimeout(resolve, 50)); // the supervisor leaves it down
    expect(actors.actors().find((info) => info.id === victim)).toMatchObject({ alive: false, restarts: 0 });
    await actors.restart(victim);
    const info = actors.actors().find((entry) => entry.id === victim)!;
    expect(info.alive).toBe(true);
    expect(info.restarts).toBe(1);
    expect(info.threadId).not.toBe(threadBefore);
    // A fresh instance: in-memory state died with the thread, as after a real crash.
    expect(await ask(endpoint, victim, { get: true })).toEqual({ count: 0 });
    // Links between the restarted actor and its peers work both ways again.
    endpoint.send(victim, { add: 1 });
    expect(await ask(endpoint, victim, { get: true })).toEqual({ count: 1 });
  });

  it('reports an actor that throws, naming it and the error, and the supervisor restarts it', async () => {
    const actors = newSystem();
    const endpoint = actors.endpoint();
    const crashing = await actors.spawn({ role: 'counter', module: behaviour('counter') });
    const exit = new Promise<ActorExitEvent>((resolve) => actors.once('actorExit', resolve));
    const restarted = new Promise<ActorRestartEvent>((resolve) => actors.once('actorRestart', resolve));
    endpoint.send(crashing, { crash: 'boom' });
    const event = await exit;
    expect(event.id).toBe(crashing);
    expect(event.reason).toMatch(/crashed: actor \d+ \(counter\) failed: boom/);
    expect(await restarted).toMatchObject({ id: crashing, role: 'counter', restarts: 1, supervised: true });
    expect(await ask(endpoint, crashing, { get: true })).toEqual({ count: 0 });
  });

  it('stops an actor in order: its stop() runs and it is reported stopped', async () => {
    const actors = newSystem();
    const endpoint = actors.endpoint();
    const id = await actors.spawn({ role: 'counter', module: behaviour('counter'), config: { reportTo: endpoint.id } });
    endpoint.send(id, { add: 3 });
    await actors.stop(id);
    expect((await endpoint.receive(5000)).message).toEqual({ bye: id, count: 3 });
    expect(actors.actors()[0]).toMatchObject({ id, alive: false, exitReason: 'stopped' });
  });

  it('close() ends every thread: the process exits by itself', () => {
    const script = fileURLToPath(new URL('../../dist/test/fixtures/close-exits.js', import.meta.url));
    const result = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('closed');
    expect(result.status).toBe(0);
  });
});

describe('an endpoint waiting on its mailbox', () => {
  it('stays parked, with no timer of its own, until a message comes however late', async () => {
    const actors = newSystem();
    const endpoint = actors.endpoint();
    const echo = await actors.spawn({ role: 'echo', module: behaviour('echo') });
    const late = endpoint.receive();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(endpoint.send(echo, { late: true })).toBe(true);
    expect(await late).toEqual({ from: echo, message: { late: true } });
  });

  it('close() wakes its parked pump, which then ends', async () => {
    const doorbell = createDoorbell();
    const parked = (): number => Atomics.load(new Int32Array(doorbell), DOORBELL_PARKED_INDEX);
    const endpoint = new Endpoint(1, doorbell);
    const waiting = endpoint.receive();
    for (let i = 0; i < 100 && parked() === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(parked()).toBe(1);
    endpoint.close();
    await expect(waiting).rejects.toThrow(/closed/);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(parked()).toBe(0);
  });
});

describe('bad input never disturbs the system', () => {
  it('rejects bad specs, unknown ids, and calls after close with clear errors', async () => {
    const actors = newSystem();
    const endpoint = actors.endpoint();
    const id = await actors.spawn({ id: 7, role: 'counter', module: behaviour('counter') });
    await expect(actors.spawn({ role: '', module: behaviour('counter') })).rejects.toBeInstanceOf(TypeError);
    await expect(actors.spawn({ id: 7, role: 'counter', module: behaviour('counter') })).rejects.toThrow(/already taken/);
    await expect(actors.spawn({ id: -1, role: 'counter', module: behaviour('counter') })).rejects.toBeInstanceOf(RangeError);
    await expect(actors.spawn({ role: 'x', module: behaviour('no-factory') })).rejects.toThrow(/default export/);
    await expect(actors.kill(999)).rejects.toBeInstanceOf(UnknownActorError);
    await expect(actors.kill(id, { restart: 'no' } as never)).rejects.toThrow(/kill option restart must be a boolean, got no/);
    await expect(actors.kill(id, 'hard' as never)).rejects.toBeInstanceOf(TypeError);
    await expect(actors.spawn({ role: 'x', module: behaviour('counter'), restart: 'always' } as never)).rejects.toThrow(/spec.restart must be 'permanent' or 'temporary', got always/);
    expect(() => new ActorSystem({ supervision: { backoffMaxMs: -5 } })).toThrow(/supervision.backoffMaxMs must be from 0/);
    expect(() => endpoint.send(999, {})).toThrow(UnknownActorError);
    await expect(actors.restart(id)).rejects.toBeInstanceOf(ActorNotRunningError);
    endpoint.send(id, { add: 4 });
    expect(await ask(endpoint, id, { get: true })).toEqual({ count: 4 });
    await actors.close();
    await expect(actors.spawn({ role: 'counter', module: behaviour('counter') })).rejects.toBeInstanceOf(ActorSystemClosedError);
    expect(() => actors.endpoint()).toThrow(ActorSystemClosedError);
  });
});
