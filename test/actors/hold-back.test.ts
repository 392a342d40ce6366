// An actor may leave a sender's messages in their mailbox for now (Actor.holdsBackFrom): the host
// takes nothing from that link, so the sender finds the mailbox full, while every other link is
// served; once the actor lets go, the host takes what waited, in order.
import { afterEach, describe, expect, it } from 'vitest';
import { ActorSystem, type Endpoint } from 'synod/actors';

const behaviour = new URL('../../dist/test/fixtures/actors/holder.js', import.meta.url);

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.close();
  system = undefined;
});

async function ask(endpoint: Endpoint, to: number, message: unknown): Promise<Record<string, unknown>> {
  expect(endpoint.send(to, message)).toBe(true);
  return (await endpoint.receive(10_000)).message as Record<string, unknown>;
}

describe('Actor.holdsBackFrom', () => {
  it("leaves the sender's mailbox full while it holds back, serves the others meanwhile, and takes everything once it lets go", async () => {
    const actors = (system = new ActorSystem({ ringBytes: 1 << 16 }));
    const holder = await actors.spawn({ role: 'holder', module: behaviour });
    const control = actors.endpoint();
    const sender = actors.endpoint();
    expect((await ask(control, holder, { op: 'hold', id: sender.id })).op).toBe('ok');
    // 1000-byte messages into a 64 KiB mailbox that nobody empties: full after a few dozen. (Taken,
    // they would go on for all 10,000.) Under 1 KiB, so they go inline: larger ones would go by
    // reference to the sender's value slab, and the mailbox would hold a few thousand.
    let sent = 0;
    while (sent < 10_000 && sender.send(holder, { pad: new Uint8Array(1000) })) sent++;
    expect(sent).toBeGreaterThan(10);
    expect(sent).toBeLessThan(100);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await ask(control, holder, { op: 'count' })).toEqual({ op: 'count', n: 0 });
    expect((await ask(control, holder, { op: 'release', id: sender.id })).op).toBe('ok');
    let taken = 0;
    for (let polls = 0; polls < 200 && taken < sent; polls++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      taken = (await ask(control, holder, { op: 'count' })).n as number;
    }
    expect(taken).toBe(sent);
    expect(sender.send(holder, { pad: new Uint8Array(1024) })).toBe(true);
  });

  it('is handed what it held back before an orderly stop (a message sent before the stop is not overtaken by it)', async () => {
    const actors = (system = new ActorSystem({ ringBytes: 1 << 16 }));
    const control = actors.endpoint();
    const sender = actors.endpoint();
    const holder = await actors.spawn({ role: 'holder', module: behaviour, config: { reportTo: control.id } });
    expect((await ask(control, holder, { op: 'hold', id: sender.id })).op).toBe('ok');
    let sent = 0;
    while (sent < 10_000 && sender.send(holder, { pad: new Uint8Array(1024) })) sent++;
    expect(sent).toBeGreaterThan(10);
    await actors.stop(holder);
    expect((await control.receive(10_000)).message).toEqual({ op: 'bye', n: sent });
  });
});
