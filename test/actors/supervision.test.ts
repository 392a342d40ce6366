// The supervisor on real threads: what it restarts, what it leaves alone, when it gives up.
import { afterEach, describe, expect, it } from 'vitest';
import {
  ActorSystem,
  type ActorExitEvent,
  type ActorGaveUpEvent,
  type ActorRestartEvent,
  type Endpoint,
  type SupervisionOptions,
} from 'synod/actors';

const behaviour = (name: string) => new URL(`../../dist/test/fixtures/actors/${name}.js`, import.meta.url);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.close();
  system = undefined;
});

interface Recorded {
  exits: ActorExitEvent[];
  restarts: ActorRestartEvent[];
  gaveUp: ActorGaveUpEvent[];
}

function newSystem(supervision?: SupervisionOptions | false): { actors: ActorSystem; events: Recorded } {
  const actors = new ActorSystem({ ringBytes: 1 << 16, ...(supervision === undefined ? {} : { supervision }) });
  system = actors;
  const events: Recorded = { exits: [], restarts: [], gaveUp: [] };
  actors.on('actorExit', (event) => events.exits.push(event));
  actors.on('actorRestart', (event) => events.restarts.push(event));
  actors.on('actorGaveUp', (event) => events.gaveUp.push(event));
  return { actors, events };
}

async function ask(endpoint: Endpoint, to: number, message: unknown): Promise<unknown> {
  expect(endpoint.send(to, message)).toBe(true);
  return (await endpoint.receive(10_000)).message;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await sleep(5);
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

const info = (actors: ActorSystem, id: number) => actors.actors().find((actor) => actor.id === id)!;

describe('the supervisor', () => {
  it("wakes the receivers a dead actor's thread still owed a wake-up", async () => {
    // The actor replies inside its pass, where wake-ups are held to the pass's end (HeldWakeups),
    // and is killed before that end: its reply is committed and nobody rang. The endpoint parks
    // with no timeout, so without a wake from the runtime it would never read the reply.
    const { actors } = newSystem(false);
    const endpoint = actors.endpoint();
    const id = await actors.spawn({ role: 'stall', module: behaviour('reply-then-stall') });
    const reply = endpoint.receive(5_000); // parks now: nothing has come
    expect(endpoint.send(id, { n: 1 })).toBe(true);
    await sleep(300); // the actor has replied and stalls
    await actors.kill(id);
    expect((await reply).message).toEqual({ n: 1 });
  });

  it('restarts a killed actor by itself, reporting the restart as supervised', async () => {
    const { actors, events } = newSystem();
    const endpoint = actors.endpoint();
    const id = await actors.spawn({ role: 'counter', module: behaviour('counter') });
    await actors.kill(id);
    expect(events.exits).toEqual([{ id, role: 'counter', worker: `actor-${id}`, reason: 'killed' }]);
    await until(() => events.restarts.length === 1, 'the restart');
    const [restart] = events.restarts;
    expect(restart).toMatchObject({ id, role: 'counter', worker: `actor-${id}`, restarts: 1, supervised: true });
    expect(restart!.downMs).toBeGreaterThanOrEqual(0);
    expect(info(actors, id)).toMatchObject({ alive: true, restarts: 1 });
    expect(info(actors, id).exitReason).toBeUndefined();
    expect(await ask(endpoint, id, { get: true })).toEqual({ count: 0 });
  });

  it('restarts onto the spare thread started ahead, then starts another spare', async () => {
    const { actors, events } = newSystem();
    const endpoint = actors.endpoint();
    const id = await actors.spawn({ role: 'counter', module: behaviour('counter') });
    await until(() => actors.spareThreadId !== undefined, 'a spare thread');
    const spare = actors.spareThreadId!;
    expect(spare).not.toBe(info(actors, id).threadId);
    await actors.kill(id);
    await until(() => events.restarts.length === 1, 'the restart');
    // The actor now runs on the thread that was started before the kill: no thread boot in the restart.
    expect(info(actors, id).threadId).toBe(spare);
    expect(endpoint.send(id, { add: 2 })).toBe(true);
    expect(await ask(endpoint, id, { get: true })).toEqual({ count: 2 });
    await until(() => actors.spareThreadId !== undefined, 'the next spare thread');
    expect(actors.spareThreadId).not.toBe(spare);
  });

  it('keeps no spare thread with supervision off or spareThread: false', async () => {
    for (const supervision of [false, { spareThread: false }] as const) {
      const { actors } = newSystem(supervision);
      await actors.spawn({ role: 'counter', module: behaviour('counter') });
      await sleep(700); // past the spare's start delay
      expect(actors.spareThreadId).toBeUndefined();
      await actors.close();
    }
  });

  it('leaves an actor killed with restart: false down until restart(), which reports an unsupervised restart', async () => {
    const { actors, events } = newSystem({ backoffInitialMs: 0 });
    const endpoint = actors.endpoint();
    const id = await actors.spawn({ role: 'counter', module: behaviour('counter') });
    await actors.kill(id, { restart: false });
    await sleep(100);
    expect(info(actors, id)).toMatchObject({ alive: false, exitReason: 'killed', restarts: 0 });
    expect(events.restarts).toEqual([]);
    await actors.restart(id);
    expect(events.restarts).toEqual([expect.objectContaining({ id, restarts: 1, supervised: false })]);
    expect(await ask(endpoint, id, { get: true })).toEqual({ count: 0 });
    // And it is supervised again afterwards.
    await actors.kill(id);
    await until(() => events.restarts.length === 2, 'the supervised restart');
    expect(events.restarts[1]).toMatchObject({ id, restarts: 2, supervised: true });
  });

  it('restart() of an actor waiting out its backoff brings it back now, once', async () => {
    const { actors, events } = newSystem({ backoffInitialMs: 60_000 });
    const id = await actors.spawn({ role: 'counter', module: behaviour('counter') });
    await actors.kill(id);
    expect(info(actors, id).alive).toBe(false);
    await actors.restart(id);
    expect(events.restarts).toEqual([expect.objectContaining({ id, restarts: 1, supervised: false })]);
    expect(info(actors, id)).toMatchObject({ alive: true, restarts: 1 });
    // kill(restart: false) of one waiting out its backoff cancels that restart.
    await actors.kill(id);
    await actors.kill(id, { restart: false });
    expect(info(actors, id).alive).toBe(false);
  });

  it('never restarts after an orderly stop() or close(), nor a temporary actor', async () => {
    const { actors, events } = newSystem({ backoffInitialMs: 0 });
    const stopped = await actors.spawn({ role: 'counter', module: behaviour('counter') });
    const temporary = await actors.spawn({ role: 'counter', module: behaviour('counter'), restart: 'temporary' });
    const killedAtClose = await actors.spawn({ role: 'counter', module: behaviour('counter') });
    await actors.stop(stopped);
    await actors.kill(temporary);
    await sleep(100);
    expect(info(actors, stopped)).toMatchObject({ alive: false, exitReason: 'stopped' });
    expect(info(actors, temporary)).toMatchObject({ alive: false, exitReason: 'killed' });
    // Killed, its restart due in 0 ms, and close() comes first (no turn of the event loop between):
    // close() cancels the pending restart.
    await actors.kill(killedAtClose);
    expect(events.exits.map((exit) => exit.id)).toEqual([temporary, killedAtClose]);
    await actors.close();
    await sleep(100);
    expect(events.restarts).toEqual([]);
    expect(info(actors, killedAtClose).alive).toBe(false);
  });

  it('close() while a supervised restart is starting its thread: no restart event, no unhandled rejection, no thread left', async () => {
    const { actors, events } = newSystem({ backoffInitialMs: 0 });
    const id = await actors.spawn({ role: 'counter', module: behaviour('counter') });
    expect(countWorkers()).toBe(1);
    await actors.kill(id);
    // 'starting' counts as alive: the restart is under way, its thread loading the behaviour.
    await until(() => info(actors, id).alive, 'the restart to begin');
    expect(events.restarts).toEqual([]);
    expect(countWorkers()).toBe(1); // the new thread
    await actors.close();
    await sleep(50);
    expect(events.restarts).toEqual([]);
    expect(countWorkers()).toBe(0);
  });

  it('keeps the state a crashed behaviour persisted outside its thread', async () => {
    const { actors, events } = newSystem();
    const endpoint = actors.endpoint();
    const total = new SharedArrayBuffer(4);
    const id = await actors.spawn({ role: 'durable', module: behaviour('durable-counter'), config: { total } });
    endpoint.send(id, { add: 3 });
    endpoint.send(id, { crash: 'boom' });
    await until(() => events.restarts.length === 1, 'the restart');
    expect(events.exits[0]!.reason).toMatch(/crashed: actor \d+ \(durable\) failed: boom/);
    expect(await ask(endpoint, id, { get: true })).toEqual({ count: 3 });
  });

  for (const mode of ['throw', 'exit'] as const) {
    it(`gives up on an actor that fails every restart (${mode}) after the intensity limit, once, and leaves it down`, async () => {
      const { actors, events } = newSystem({ backoffInitialMs: 1, backoffMaxMs: 8, intensity: { restarts: 3, periodMs: 60_000 } });
      const starts = new SharedArrayBuffer(4);
      const startCount = () => Atomics.load(new Int32Array(starts), 0);
      const id = await actors.spawn({ role: 'fragile', module: behaviour('crash-on-start'), config: { mode, starts } });
      await actors.kill(id);
      await until(() => events.gaveUp.length === 1, 'the supervisor to give up');
      expect(events.gaveUp).toEqual([
        {
          id,
          role: 'fragile',
          worker: `actor-${id}`,
          reason: expect.stringMatching(mode === 'throw' ? /failed to start: .*cannot start/ : /exited with code 3/),
          restarts: 0,
          restartsInPeriod: 3,
        },
      ]);
      expect(startCount()).toBe(1 + 3); // the spawn, then three restarts that failed
      await sleep(200);
      expect(startCount()).toBe(4); // no busy loop: nothing more
      expect(events.gaveUp).toHaveLength(1);
      expect(events.restarts).toEqual([]);
      expect(info(actors, id)).toMatchObject({ alive: false, restarts: 0 });
      expect(events.exits.map((exit) => exit.id)).toEqual([id, id, id, id]); // the kill, then each failed restart
    });
  }
});

/** Worker threads this process holds (each keeps a handle in the event loop until it ends). */
function countWorkers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'MessagePort' || resource === 'Worker').length;
}
