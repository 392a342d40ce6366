// An endpoint released while an actor restarts, and its ids handed out again. The restarted
// actor takes its incoming links at the end of its start, which the release's drop (dropPeer)
// does not wait for: the actor kept the released endpoint's link, and when the next endpoint
// got the same link id with a new ring, the actor took that for a link it had and never read the
// new ring. Found by `npm run fuzz` (seed 7736): a follower thread subscribed again and again to a
// learner that never saw its messages, and its read waited forever.
import { afterEach, describe, expect, it } from 'vitest';
import { ActorSystem, Endpoint, UnknownActorError } from 'synod/actors';

const behaviour = (name: string) => new URL(`../../dist/test/fixtures/actors/${name}.js`, import.meta.url);

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.close();
  system = undefined;
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('an endpoint released while an actor restarts', () => {
  it('leaves the restarted actor reading the link of the endpoint that takes its ids next', async () => {
    system = new ActorSystem({ ringBytes: 1 << 16, supervision: false });
    const gate = new SharedArrayBuffer(4);
    const starts = new SharedArrayBuffer(4);
    const actor = await system.spawn({ role: 'echo', module: behaviour('gated-start'), config: { gate, starts } });
    const first = system.endpoint('first');
    expect(first.send(actor, 'ping')).toBe(true);
    expect((await first.receive(10_000)).message).toBe('ping');
    const linksBefore = system.linkCount;

    await system.kill(actor, { restart: false });
    const restarting = system.restart(actor);
    // The new instance is inside its start: its incoming links (the first endpoint's among them) are not taken yet.
    await until(() => Atomics.load(new Int32Array(starts), 0) === 2);
    await system.releaseEndpoint(first.id);
    expect(system.linkCount).toBe(linksBefore - 2);
    const second = system.endpoint('second');
    // The case that failed: the same endpoint id and the same link ids, over new rings.
    expect(second.id).toBe(first.id);
    expect(system.linkCount).toBe(linksBefore);
    Atomics.store(new Int32Array(gate), 0, 1);
    Atomics.notify(new Int32Array(gate), 0);
    await restarting;

    expect(second.send(actor, 'hello')).toBe(true);
    const reply = await second.receive(10_000);
    expect(reply.from).toBe(actor);
    expect(reply.message).toBe('hello');
  });
});

describe('an endpoint released and its ids handed out again', () => {
  it('reaches an endpoint of this thread that was linked to the released one', async () => {
    system = new ActorSystem({ ringBytes: 1 << 16, supervision: false });
    const local = system.endpoint('local');
    const gone = Endpoint.connect(system.endpointHandle('remote'));
    expect(gone.send(local.id, 'first')).toBe(true);
    expect((await local.receive(10_000)).message).toBe('first');
    gone.close();
    await system.releaseEndpoint(gone.id);
    // Its links here went with it (they kept its rings alive).
    expect(() => local.send(gone.id, 'lost')).toThrow(UnknownActorError);
    const next = Endpoint.connect(system.endpointHandle('remote'));
    // The same id and the same link ids, over new rings.
    expect(next.id).toBe(gone.id);
    expect(next.send(local.id, 'second')).toBe(true);
    const reply = await local.receive(10_000);
    expect(reply.from).toBe(next.id);
    expect(reply.message).toBe('second');
    next.close();
  });
});
