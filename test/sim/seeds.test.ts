// Random seeds with every fault on, determinism, and replay through the CLI.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Rng, runSeed, runSeeds } from 'synod/sim';

const cli = fileURLToPath(new URL('../../dist/src/sim/cli.js', import.meta.url));
const SEEDS = 1000;

describe('random seeds, all faults on', () => {
  it(`${SEEDS} seeds run clean: safety after every event, liveness after healing, bounded memory`, () => {
    const summary = runSeeds(1, SEEDS, {}, false);
    const failures = summary.failures.map((result) => `seed ${result.seed}: ${result.violation?.message}`);
    expect(failures).toEqual([]);
    expect(summary.runs).toBe(SEEDS);
    expect(summary.commandsDelivered).toBeGreaterThan(SEEDS * 10);
  });

  it('seeds that once failed stay fixed (each found by a random run; see the comment at the fix)', () => {
    // 1384432889: a leader kept retransmitting Accepts for slots that every learner had delivered
    // and the acceptors had dropped (gcBelow rose through a heartbeat), so its window never moved.
    // 7087007: a stale leader (its ballot below an acceptor's promise) had nothing to propose, so
    // no Accept was ever refused and it led on; a slot accepted under different ballots was never
    // repaired, and a lagging learner found no majority to learn it from. Acceptors now refuse
    // such a leader's heartbeats. (Found by the first million-seed run, at its 87,008th seed.)
    for (const seed of [1384432889, 7087007]) {
      const result = runSeed(seed);
      expect(result.violation?.message, `seed ${seed}`).toBeUndefined();
    }
  });

  it('the seeds really exercise faults', () => {
    let crashes = 0;
    let partitions = 0;
    let dropped = 0;
    let duplicated = 0;
    let leaderships = 0;
    let unsyncedCrashes = 0;
    let tornTails = 0;
    let learnerRestartsBehind = 0;
    let storeRewrites = 0;
    let readsChecked = 0;
    let entriesFollowed = 0;
    for (let seed = 1; seed <= 50; seed++) {
      const { stats } = runSeed(seed);
      crashes += stats.crashes;
      partitions += stats.partitions;
      dropped += stats.messagesDropped;
      duplicated += stats.messagesDuplicated;
      leaderships += stats.leaderships;
      unsyncedCrashes += stats.unsyncedCrashes;
      tornTails += stats.tornTails;
      learnerRestartsBehind += stats.learnerRestartsBehind;
      storeRewrites += stats.storeRewrites;
      readsChecked += stats.readsChecked;
      entriesFollowed += stats.entriesFollowed;
    }
    expect(crashes).toBeGreaterThan(100);
    expect(partitions).toBeGreaterThan(50);
    expect(dropped).toBeGreaterThan(1000);
    expect(duplicated).toBeGreaterThan(500);
    expect(leaderships).toBeGreaterThan(80);
    // Crashes fall between a write and its sync, and some leave a record half written.
    expect(unsyncedCrashes).toBeGreaterThan(10);
    expect(tornTails).toBeGreaterThan(3);
    // Learners acknowledge before their fdatasync: some restart without entries they acknowledged.
    expect(learnerRestartsBehind).toBeGreaterThan(2);
    // Acceptors compact their stores, and restart from compacted ones.
    expect(storeRewrites).toBeGreaterThan(20);
    // Clients read their appends back from random learners after they resolved.
    expect(readsChecked).toBeGreaterThan(200);
    // And some follow the log, through lost pushes and restarted learners.
    expect(entriesFollowed).toBeGreaterThan(2000);
  });
});

describe('determinism', () => {
  it('the same seed gives the same run, byte for byte', () => {
    for (const seed of [3, 77, 1234]) {
      const first = runSeed(seed, { trace: true });
      const second = runSeed(seed, { trace: true });
      expect(second.trace.join('\n')).toBe(first.trace.join('\n'));
      expect(second.hash).toBe(first.hash);
      expect(second.stats).toEqual(first.stats);
      // Tracing changes nothing but the words.
      expect(runSeed(seed).hash).toBe(first.hash);
    }
  });

  it('different seeds give different runs', () => {
    const hashes = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => runSeed(seed).hash));
    expect(hashes.size).toBe(8);
  });

  it('the RNG is a pure function of its seed', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const drawsA = Array.from({ length: 100 }, () => a.nextUint32());
    expect(Array.from({ length: 100 }, () => b.nextUint32())).toEqual(drawsA);
    expect(new Rng(43).nextUint32()).not.toBe(drawsA[0]);
    expect(() => new Rng(1.5)).toThrow(TypeError);
  });
});

describe('the CLI', () => {
  it('replays a seed and exits 0 when it is clean', () => {
    const result = spawnSync(process.execPath, [cli, '--seed', '5'], { encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('seed 5: ok');
    expect(result.stdout).toContain(`hash ${runSeed(5).hash}`);
  });

  it('runs many seeds and prints the range it ran', () => {
    const result = spawnSync(process.execPath, [cli, '--seeds', '20', '--start', '1000'], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/ran 20 seeds 1000\.\.1019: all clean/);
  });

  it('on a violation prints the seed, the rule, a readable trace and the replay command, and exits 1', () => {
    const result = spawnSync(process.execPath, [cli, '--seeds', '50', '--start', '1', '--break', 'acceptBelowPromise', '--tail', '30'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    // The first seed whose schedule lets the broken acceptor do harm (44 with today's schedule).
    const failed = /FAILED seed (\d+): one-value-per-slot: slot \d+: .* chosen at ballot/.exec(result.stdout);
    expect(failed).not.toBeNull();
    expect(result.stdout).toContain('-> A');
    expect(result.stdout).toContain(`replay: npm run sim -- --seed ${failed![1]} --break acceptBelowPromise --trace`);
  });
});
