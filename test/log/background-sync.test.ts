// File storage keeps accepting while it syncs: an acceptor whose mailbox holds work at its commit
// point hands the fdatasync to its helper thread and takes that work meanwhile, each reply leaving
// once a sync covering it returned (acceptor-node.ts, background-sync.ts). Under load (entries
// large enough that Accepts arrive while an acceptor writes), with an acceptor killed (its helper
// dies with its thread) and restarted, every acknowledged append is in the log after a reopen,
// whole, at the index it resolved to.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActorNotRunningError, ReplicatedLog } from 'synod';
import { laneEntry } from '../fixtures/log/entry.js';

const LANES = 32;
const ENTRY_BYTES = 16 * 1024;
/** Helper syncs to see before the load stops (the acceptor killed mid-run counts again from 0). */
const HELPER_SYNCS_WANTED = 20;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'synod-bgsync-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const entryOf = (lane: number, n: number): Uint8Array => laneEntry(lane, n, ENTRY_BYTES);

/** Syncs the acceptors' helpers ran, those of an acceptor that is restarting left out. */
async function helperSyncs(log: ReplicatedLog, acceptors: readonly number[]): Promise<number> {
  let total = 0;
  for (const id of acceptors) {
    try {
      total += (await log.cluster.counters(id)).backgroundSyncs ?? 0;
    } catch (error) {
      if (!(error instanceof ActorNotRunningError)) throw error;
    }
  }
  return total;
}

describe('file storage syncing on helper threads', () => {
  it('acknowledges only what a sync covered: every acknowledged append is there after a reopen, through an acceptor kill', async () => {
    const log = await ReplicatedLog.open({ storage: { dir }, appendTimeoutMs: 20_000 });
    let reopened: ReplicatedLog | undefined;
    try {
      const acceptors = (await log.cluster.actors()).filter((actor) => actor.role === 'acceptor').map((actor) => actor.id);
      const acknowledged = new Map<string, number>();
      let stop = false;
      let failure: unknown;
      const lanes = Array.from({ length: LANES }, async (_, lane) => {
        for (let n = 0; !stop; n++) acknowledged.set(`${lane}/${n}`, await log.append(entryOf(lane, n)));
      });
      lanes.forEach((lane) => lane.catch((error: unknown) => (failure ??= error)));
      const giveUpMs = performance.now() + 60_000;
      // Mid-run, an acceptor goes (and its helper thread with it); the supervisor brings it back.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await log.cluster.kill(acceptors[0]!);
      // The path under test must run: Accepts waited at commit points, and helpers synced for them.
      let synced = 0;
      while ((synced = await helperSyncs(log, acceptors)) < HELPER_SYNCS_WANTED && failure === undefined) {
        if (performance.now() > giveUpMs) throw new Error(`after 60 s of load the acceptors' helpers had synced ${synced} times`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      stop = true;
      await Promise.all(lanes);
      expect(failure).toBeUndefined();
      expect(synced).toBeGreaterThanOrEqual(HELPER_SYNCS_WANTED);
      await log.close();

      reopened = await ReplicatedLog.open({ storage: { dir } });
      const entries: Uint8Array[] = [];
      for await (const { index, data } of reopened.read({ from: 0 })) entries[index] = data;
      expect(acknowledged.size).toBeGreaterThan(0);
      for (const [key, index] of acknowledged) {
        const [lane, n] = key.split('/').map(Number) as [number, number];
        const entry = entries[index];
        // Compared whole, but reported briefly (a 16 KiB diff helps nobody).
        expect(entry !== undefined && Buffer.from(entry).equals(entryOf(lane, n)), `append ${key} at ${index}`).toBe(true);
      }
    } finally {
      await log.close();
      await reopened?.close();
    }
  });
});
