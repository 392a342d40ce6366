// The rules by which a log's owner takes back an endpoint (src/log/connection-lease.ts), the id
// and generation allocators at their bounds, and the bits of a client id.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ActorSystem } from '../../src/actors/index.js';
import { IdPool } from '../../src/actors/id-pool.js';
import { ConnectionGenerations, ConnectionLimitError } from '../../src/log/connection-generations.js';
import { LIFE_WAITERS, LeaseHolder, createLease } from '../../src/log/connection-lease.js';
import { EndpointReaper } from '../../src/log/endpoint-reaper.js';
import { GENERATIONS_MAX, clientIdOf, endpointOfClient } from '../../src/protocol/wire.js';
import { ReplicatedLog } from 'synod';

const GRACE_MS = 5000;

function reaperWithLog(): { reaper: EndpointReaper; released: number[] } {
  const released: number[] = [];
  return { reaper: new EndpointReaper((id) => released.push(id), GRACE_MS), released };
}

describe('reclaiming an endpoint', () => {
  it('an idle endpoint whose thread shows life is kept; once no life waiter answers, it is taken back and its holder sees it', () => {
    const { reaper, released } = reaperWithLog();
    const lease = createLease();
    const holder = new LeaseHolder(lease);
    expect(holder.claim()).toBe(true);
    reaper.add(7, 1, lease, 0);
    // Probes with no turn of this thread's event loop in between: no waiter is re-armed, as in a blocked thread.
    for (let probe = 0; probe < LIFE_WAITERS; probe++) reaper.probe(probe);
    expect(released).toEqual([]);
    reaper.probe(LIFE_WAITERS);
    expect(released).toEqual([7]);
    expect(holder.markBusy()).toBe(false);
    expect(holder.revoked).toBe(true);
    reaper.close();
  });

  it('a busy endpoint is never taken while its thread beats, nor before the grace after its last beat', () => {
    const { reaper, released } = reaperWithLog();
    const lease = createLease();
    const holder = new LeaseHolder(lease);
    holder.claim();
    expect(holder.markBusy()).toBe(true);
    reaper.add(3, 1, lease, 0);
    for (let probe = 0; probe <= LIFE_WAITERS; probe++) reaper.probe(0); // no life left from now on
    reaper.probe(GRACE_MS - 1);
    holder.beat(); // it ran: the silence starts again
    reaper.probe(GRACE_MS + 1);
    reaper.probe(2 * GRACE_MS);
    expect(released).toEqual([]);
    reaper.probe(GRACE_MS + 1 + GRACE_MS);
    expect(released).toEqual([3]);
    reaper.close();
  });

  it('the thread wins a race: an endpoint it marked busy first is not revoked as idle', () => {
    const { reaper, released } = reaperWithLog();
    const lease = createLease();
    const holder = new LeaseHolder(lease);
    holder.claim();
    reaper.add(2, 1, lease, 0);
    for (let probe = 0; probe < LIFE_WAITERS; probe++) reaper.probe(0);
    expect(holder.markBusy()).toBe(true);
    reaper.probe(1);
    expect(released).toEqual([]);
    expect(holder.markIdle()).toBe(true);
    reaper.probe(2);
    expect(released).toEqual([2]);
    expect(holder.markIdle()).toBe(false);
    reaper.close();
  });

  it('an endpoint never claimed (its thread died while connecting) goes after a grace; a late release of an earlier grant of the id is ignored', () => {
    const { reaper, released } = reaperWithLog();
    const lease = createLease();
    reaper.add(4, 10, lease, 0);
    reaper.probe(1000);
    expect(released).toEqual([]);
    reaper.released(4, 9); // generation 9 held id 4 before
    expect(released).toEqual([]);
    reaper.probe(60_000);
    expect(released).toEqual([4]);
    expect(new LeaseHolder(lease).claim()).toBe(false);
    reaper.close();
  });

  it('a thread that closes gives its endpoint up at once (state), even before its release message arrives', () => {
    const { reaper, released } = reaperWithLog();
    const lease = createLease();
    const holder = new LeaseHolder(lease);
    holder.claim();
    reaper.add(5, 1, lease, 0);
    reaper.probe(0);
    expect(released).toEqual([]);
    holder.end();
    reaper.probe(1);
    expect(released).toEqual([5]);
    reaper.released(5, 1); // the message, late: nothing more
    expect(released).toEqual([5]);
    reaper.close();
  });
});

describe('endpoint ids', () => {
  it('are reused once released, so more than 65,535 connects over the life of a system fit', async () => {
    const system = new ActorSystem();
    try {
      const ids = new Set<number>();
      for (let connect = 0; connect < 70_000; connect++) {
        const { id } = system.endpointHandle('client', { actorsOnly: true });
        ids.add(id);
        await system.releaseEndpoint(id);
      }
      expect([...ids]).toEqual([0]);
      expect(system.endpointCount).toBe(0);
    } finally {
      await system.close();
    }
  });

  it('come lowest first, skip ids chosen by spawn, and run out after 65,536 held at once', () => {
    const chosen = new Set([1]);
    const taken = new Set<number>();
    const pool = new IdPool(65_535, (id) => chosen.has(id) || taken.has(id));
    const take = (): number | undefined => {
      const id = pool.take();
      if (id !== undefined) taken.add(id);
      return id;
    };
    expect([take(), take(), take()]).toEqual([0, 2, 3]);
    for (let i = 0; i < 65_532; i++) take();
    expect(take()).toBeUndefined();
    for (const id of [900, 7, 40_000]) {
      taken.delete(id);
      pool.giveBack(id);
    }
    expect([take(), take(), take(), take()]).toEqual([7, 900, 40_000, undefined]);
  });
});

describe('connection generations', () => {
  it('are handed out once each, up to GENERATIONS_MAX, then a ConnectionLimitError', () => {
    const generations = new ConnectionGenerations(undefined);
    let last = -1;
    for (let i = 0; i < GENERATIONS_MAX; i++) last = generations.take();
    expect(last).toBe(GENERATIONS_MAX - 1);
    expect(() => generations.take()).toThrow(ConnectionLimitError);
    expect(() => generations.take()).toThrow(new RegExp(`all ${GENERATIONS_MAX} connection generations`));
  });

  it('continue above everything reserved by earlier openings of a storage dir (and above an old incarnation count)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synod-generations-'));
    try {
      writeFileSync(join(dir, 'INCARNATION'), '5'); // written by an older version: its openings took 0..5
      const first = new ConnectionGenerations(dir);
      expect(first.take()).toBe(6);
      expect(first.take()).toBe(7);
      const reserved = Number(readFileSync(join(dir, 'INCARNATION'), 'utf8'));
      expect(reserved).toBeGreaterThanOrEqual(7);
      // A crash here loses no uniqueness: the next opening starts above the whole reservation.
      expect(new ConnectionGenerations(dir).take()).toBe(reserved + 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('client ids', () => {
  it('use all 53 bits of a safe integer at most, and refuse fields outside their bits', () => {
    expect(clientIdOf(GENERATIONS_MAX - 1, 65_535, 65_535)).toBe(Number.MAX_SAFE_INTEGER);
    expect(endpointOfClient(clientIdOf(GENERATIONS_MAX - 1, 4321, 65_535))).toBe(4321);
    expect(clientIdOf(1, 7, 3)).not.toBe(clientIdOf(2, 7, 3));
    expect(() => clientIdOf(GENERATIONS_MAX, 0, 0)).toThrow(RangeError);
    expect(() => clientIdOf(0, 65_536, 0)).toThrow(RangeError);
    expect(() => clientIdOf(0, 0, 65_536)).toThrow(RangeError);
    expect(() => clientIdOf(-1, 0, 0)).toThrow(RangeError);
  });
});

describe('a closed log', () => {
  function fullGc(): () => void {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  }

  it('lets its client, rings and actor system go while the caller still holds it (owner and connected)', async () => {
    const gc = fullGc();
    const log = await ReplicatedLog.open();
    const connected = await ReplicatedLog.connect(log.handle());
    await connected.append(new Uint8Array([1]));
    const weak = [
      new WeakRef(Reflect.get(connected, 'client') as object),
      new WeakRef(Reflect.get(log, 'client') as object),
      new WeakRef((Reflect.get(log, 'owner') as { system: object }).system),
    ];
    await connected.close();
    await log.close();
    // Out of this turn (WeakRef targets are kept until it ends), then collect.
    for (let round = 0; round < 5 && weak.some((ref) => ref.deref() !== undefined); round++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      gc();
    }
    expect(weak.map((ref) => ref.deref() === undefined)).toEqual([true, true, true]);
    expect(log.connectionCounts).toEqual({ endpoints: 0, granted: 0, links: 0, held: undefined });
  });
});
