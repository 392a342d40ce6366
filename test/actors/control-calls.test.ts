// A control call must not leave anything behind once answered: a log's owner makes several per
// connect and release (links wired, peers dropped), for as long as the log runs. Each call used to
// race the worker's `exited` promise, which left one pending promise (and its reaction) per call
// until the worker ended: ~36 per pool-worker churn, the owner's heap growing ~8 KB a churn.
import { createHook } from 'node:async_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { ActorSystem } from 'synod/actors';

const behaviour = (name: string) => new URL(`../../dist/test/fixtures/actors/${name}.js`, import.meta.url);

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.close();
  system = undefined;
});

describe('control calls', () => {
  it('leave no promise pending once answered', async () => {
    system = new ActorSystem({ ringBytes: 1 << 16, supervision: false });
    const id = await system.spawn({ role: 'counter', module: behaviour('counter') });
    await system.counters(id); // warm: anything made once per worker is made now
    const pending = new Set<number>();
    const hook = createHook({
      init(asyncId, type) {
        if (type === 'PROMISE') pending.add(asyncId);
      },
      promiseResolve(asyncId) {
        pending.delete(asyncId);
      },
    });
    hook.enable();
    try {
      for (let call = 0; call < 200; call++) await system.counters(id);
    } finally {
      hook.disable();
    }
    // Before: at least one pending promise per call (200). Now only what the loop itself holds.
    expect(pending.size).toBeLessThan(20);
  });

  it('still fail at once when the worker dies during the call', async () => {
    system = new ActorSystem({ ringBytes: 1 << 16, supervision: false });
    const id = await system.spawn({ role: 'counter', module: behaviour('counter') });
    const calls = Array.from({ length: 5 }, () => system!.counters(id).then(() => 'answered', (error: Error) => error.message));
    await system.kill(id);
    for (const outcome of await Promise.all(calls)) expect(outcome === 'answered' || /exited during a control call/.test(outcome)).toBe(true);
    await expect(system.counters(id)).rejects.toThrow();
  });
});
