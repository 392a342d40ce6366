// Acceptors killed one after another under load, in memory mode, where each takes its Accepts in
// place (values from its ring straight into its store, its entries pointing at the store's bytes)
// and compacts its store again and again: every acknowledged append reads back whole, at its
// index, once. A restarted acceptor may be handed again a message its predecessor died handling.
import { describe, expect, it } from 'vitest';
import type { ReplicatedLog } from 'synod';
import { closedAfterEach } from './helpers.js';
import { laneEntry } from '../fixtures/log/entry.js';

const { openLog } = closedAfterEach();
const LANES = 16;
const ENTRY_BYTES = 16 * 1024;
const KILLS = 9;
const ACKS_BETWEEN_KILLS = 60;

const entryOf = (lane: number, n: number): Uint8Array => laneEntry(lane, n, ENTRY_BYTES);

/** Waits until `done()`, or fails the test naming what it waited for (a stuck log, not a test timeout). */
async function until(done: () => boolean, what: string): Promise<void> {
  const giveUpMs = performance.now() + 30_000;
  while (!done()) {
    if (performance.now() > giveUpMs) throw new Error(`waited 30 s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function compactionsOf(log: ReplicatedLog, acceptors: readonly number[]): Promise<number> {
  let total = 0;
  for (const id of acceptors) total += (await log.cluster.counters(id)).compactions ?? 0;
  return total;
}

describe('acceptors killed again and again under load (memory mode)', () => {
  it('lose no acknowledged append and corrupt none, through restarts and compactions', async () => {
    // About 10 MB appended: each acceptor's store passes its 4 MiB compaction floor twice or more.
    const log = await openLog({ acceptors: 3, memoryBytesMax: 64 * 1024 * 1024, appendTimeoutMs: 10_000 });
    const acceptors = (await log.cluster.actors()).filter((actor) => actor.role === 'acceptor').map((actor) => actor.id);
    const acknowledged = new Map<string, number>();
    let stop = false;
    let acks = 0;
    const lanes = Array.from({ length: LANES }, async (_, lane) => {
      for (let n = 0; !stop; n++) {
        acknowledged.set(`${lane}/${n}`, await log.append(entryOf(lane, n)));
        acks++;
      }
    });
    // Acceptors killed and not yet restarted by the supervisor (its 'actorRestart' comes once one runs again).
    const restarting = new Set<number>();
    log.on('actorRestart', (event) => restarting.delete(event.id));
    let failure: unknown;
    lanes.forEach((lane) => lane.catch((error: unknown) => (failure ??= error)));
    const acksOrFailure = (target: number) => () => acks >= target || failure !== undefined;
    let compactionsOfKilled = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      await until(acksOrFailure(acks + ACKS_BETWEEN_KILLS), `${ACKS_BETWEEN_KILLS} acknowledgements before kill ${kill + 1}`);
      // The one killed three kills ago may still be starting again (a majority did not need it).
      const target = acceptors[kill % acceptors.length]!;
      await until(() => !restarting.has(target), `acceptor ${target} to run again before kill ${kill + 1}`);
      // Its compactions so far: a restarted acceptor counts from 0 again.
      compactionsOfKilled += (await log.cluster.counters(target)).compactions ?? 0;
      restarting.add(target);
      await log.cluster.kill(target);
    }
    await until(acksOrFailure(acks + ACKS_BETWEEN_KILLS), `${ACKS_BETWEEN_KILLS} acknowledgements after the last kill`);
    stop = true;
    await Promise.allSettled(lanes);
    expect(failure).toBeUndefined();

    const found = new Map<string, number>();
    for await (const entry of log.read()) {
      const view = new DataView(entry.data.buffer, entry.data.byteOffset);
      const key = `${view.getUint32(0)}/${view.getUint32(4)}`;
      // Compared as bytes: a deep equality over 10 MB took most of the test's time.
      expect(Buffer.compare(entry.data, entryOf(view.getUint32(0), view.getUint32(4))), `entry ${entry.index} (${key}) differs`).toBe(0);
      expect(found.has(key), `${key} twice`).toBe(false);
      found.set(key, entry.index);
    }
    for (const [key, index] of acknowledged) expect(found.get(key), key).toBe(index);
    expect(acknowledged.size).toBeGreaterThanOrEqual((KILLS + 1) * ACKS_BETWEEN_KILLS);
    // The stores did compact meanwhile: counted over every incarnation (each killed one's count
    // read before its kill, as a restarted acceptor counts from 0; the acceptors running now
    // alone had compacted none once, in a full run on 2 cores).
    await until(() => restarting.size === 0, 'every acceptor to run again');
    expect(compactionsOfKilled + (await compactionsOf(log, acceptors))).toBeGreaterThan(0);
  }, 120_000);
});
