// An actor that takes some senders' messages in place (Actor.receivesInPlaceFrom) and keeps what
// it must outlive the call in its own value slab (ActorContext.keepInSlab, Actor.keptSlabViews): a
// proposer does this with its clients' batches, so that an entry's bytes are copied once between
// the client's ring and every acceptor and learner.
import { afterEach, describe, expect, it } from 'vitest';
import { ActorSystem, type Endpoint } from 'synod/actors';

const behaviour = new URL('../../dist/test/fixtures/actors/slab-keeper.js', import.meta.url);

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.close();
  system = undefined;
});

const bytesOf = (seq: number, length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (seq * 31 + i * 7) & 255);

async function ask(endpoint: Endpoint, to: number, message: unknown, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  expect(endpoint.send(to, message)).toBe(true);
  return (await endpoint.receive(timeoutMs)).message as Record<string, unknown>;
}

async function keep(endpoint: Endpoint, to: number, bytes: Uint8Array): Promise<{ shared: boolean; index: number; inSlab: boolean }> {
  const seen = await ask(endpoint, to, { op: 'keep', bytes });
  const kept = await endpoint.receive(10_000);
  return { shared: seen.shared as boolean, ...(kept.message as { index: number; inSlab: boolean }) };
}

/**
 * Keeps one value, then keeps and lets go of others, 58 x 3000 bytes through a slab of 32 KiB:
 * while the first is kept the slab must not reuse its bytes (an owner that forgets it lets the
 * slab write over them). Returns the first value as sent back after that.
 */
async function keepAround(endpoint: Endpoint, keeper: number, relay: number, forget: boolean): Promise<{ value: Uint8Array | Error; first: number }> {
  const first = await keep(endpoint, keeper, bytesOf(1, 3000));
  expect(first.inSlab).toBe(true);
  if (forget) endpoint.send(keeper, { op: 'forget' });
  for (let seq = 2; seq < 60; seq++) {
    const other = await keep(endpoint, keeper, bytesOf(seq, 3000));
    endpoint.send(keeper, { op: 'drop', index: other.index });
  }
  try {
    return { value: (await ask(endpoint, keeper, { op: 'send', index: first.index, via: relay }, 2000)).value as Uint8Array, first: first.index };
  } catch (error) {
    return { value: error as Error, first: first.index }; // the writer refused a view it no longer keeps, and the actor died of it
  }
}

/**
 * A keeper taking the endpoint's messages in place, on rings of 16 KiB (a slab of 32 KiB), and a
 * relay: values go by reference between actors only, so a kept value reaches the endpoint through it.
 */
async function keeperWithRelay(): Promise<{ system: ActorSystem; keeper: number; relay: number; endpoint: Endpoint }> {
  const actors = (system = new ActorSystem({ ringBytes: 1 << 14 }));
  const keeper = await actors.spawn({ role: 'keeper', module: behaviour });
  const relay = await actors.spawn({ role: 'relay', module: behaviour });
  const endpoint = actors.endpoint();
  expect((await ask(endpoint, keeper, { op: 'in-place-from', id: endpoint.id })).op).toBe('ok');
  return { system: actors, keeper, relay, endpoint };
}

describe('an actor keeping values in its own slab', () => {
  it('takes in place only the messages of the senders it names: views of the ring from those, copies from the rest', async () => {
    system = new ActorSystem({ ringBytes: 1 << 16 });
    const keeper = await system.spawn({ role: 'keeper', module: behaviour });
    const named = system.endpoint('named');
    const other = system.endpoint('other');
    expect((await ask(named, keeper, { op: 'in-place-from', id: named.id })).op).toBe('ok');
    expect((await keep(named, keeper, bytesOf(1, 4096))).shared).toBe(true);
    expect((await keep(other, keeper, bytesOf(2, 4096))).shared).toBe(false);
  });

  it('sends a kept value by reference where it lies (no copy into the slab), and reuses no byte of it while kept', async () => {
    const { system: actors, keeper, relay, endpoint } = await keeperWithRelay();
    const { value, first } = await keepAround(endpoint, keeper, relay, false);
    expect(value).toEqual(bytesOf(1, 3000));
    const counters = await actors.counters(keeper);
    expect(counters.slabPlacements).toBe(0);
    // The slab fills in order: the others were kept while there was room short of the first's bytes, then kept elsewhere.
    expect(counters.slabKeeps).toBeGreaterThan(1);
    expect(counters.slabKeepRefusals).toBeGreaterThan(0);
    // Let go of the first, and the slab keeps again.
    endpoint.send(keeper, { op: 'drop', index: first });
    expect((await keep(endpoint, keeper, bytesOf(60, 3000))).inSlab).toBe(true);
  });

  it('the same check catches an actor that does not visit what it keeps', async () => {
    const { keeper, relay, endpoint } = await keeperWithRelay();
    const { value } = await keepAround(endpoint, keeper, relay, true);
    expect(value).not.toEqual(bytesOf(1, 3000));
  });
});
