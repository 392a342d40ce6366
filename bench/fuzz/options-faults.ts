#!/usr/bin/env node
// node dist/bench/fuzz/options-faults.js [--start N] [--seeds K] [--no-kills] [--break-check]   (npm run fuzz -- ...)
//
// Odd options under faults, one seeded trial after another. A trial opens a log with options
// drawn at or near their bounds (trial-options.ts), refuses an entry one byte over its limit,
// appends from the main thread and a connected worker (sizes 0, 1, the limit and between), kills
// actors meanwhile (any role, a minority of acceptors at a time, at most KILLS_PER_ACTOR_MAX each:
// within the supervisor's budget), and has a third thread follow the log. Then every acknowledged
// append must read back exact at its index, from a fresh read and from the follower (which must
// also see the indexes in order, none skipped); a trim to half must leave the rest readable; with
// a directory, the log is closed and reopened with other batching, window and fsync mode, and read
// back again. Prints one line per trial and exits 1 if any failed.
//
// The seed fixes the options, the entries and the kill schedule's choices; when a kill lands
// depends on real threads, so a failing seed is replayed as the same trial, not the same run.
// --break-check flips a byte of one entry as the checker reads it (the checker must fail the trial).
import { rmSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { EntryTooLargeError, ReplicatedLog, type ActorId, type LogOptions } from '../../src/index.js';
import { Rng } from '../../src/sim/rng.js';
import { appendAll, checksum, entryFor, type Acked, type AppendOutcome } from './entries.js';
import type { FollowOutcome, FuzzThreadData } from './fuzz-thread.js';
import { planTrial, type TrialPlan } from './trial-options.js';

/** Kills of one actor in one trial, at most: the supervisor gives up after 10 restarts in 60 s. */
const KILLS_PER_ACTOR_MAX = 8;

interface Args {
  readonly start: number;
  readonly seeds: number;
  readonly kills: boolean;
  readonly breakCheck: boolean;
  /** Prints each stage of a trial, and every 10 s the log's state while one stage lasts. */
  readonly verbose: boolean;
}

const FLAGS = new Set(['--start', '--seeds', '--no-kills', '--break-check', '--verbose']);

function parseArgs(argv: readonly string[]): Args {
  for (let at = 0; at < argv.length; at++) {
    if (!FLAGS.has(argv[at]!)) throw new RangeError(`unknown argument ${argv[at]} (takes --start N, --seeds K, --no-kills, --break-check, --verbose)`);
    if (argv[at] === '--start' || argv[at] === '--seeds') at++;
  }
  const value = (name: string, fallback: number): number => {
    const at = argv.indexOf(name);
    if (at < 0) return fallback;
    const parsed = Number(argv[at + 1]);
    if (!Number.isInteger(parsed) || parsed < 0) throw new RangeError(`${name} takes a non-negative integer, got ${argv[at + 1]}`);
    return parsed;
  };
  return { start: value('--start', 1), seeds: value('--seeds', 20), kills: !argv.includes('--no-kills'), breakCheck: argv.includes('--break-check'), verbose: argv.includes('--verbose') };
}

function startThread<T>(data: FuzzThreadData): { worker: Worker; result: Promise<T> } {
  const worker = new Worker(new URL('./fuzz-thread.js', import.meta.url), { workerData: data });
  const result = new Promise<T>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`fuzz thread exited (${code}) before it reported`)));
  });
  return { worker, result };
}

/**
 * Kills actors until `stopped()`, choosing with `rng`: never a majority of acceptors, at most
 * KILLS_PER_ACTOR_MAX per actor, and only once the log has grown since the last kill. Without that
 * pace, kills every 150-650 ms outran recovery where a recovery takes longer (entries of 2 MiB,
 * three fuzzers on two cores: a leader elected, its slots recovered, a learner caught up), and
 * appends waited out appendTimeoutMs in a storm no fault model promises to survive; with it, an
 * append that times out is a stall of the log's own making.
 */
async function killLoop(log: ReplicatedLog, acceptors: number, rng: Rng, stopped: () => boolean): Promise<number> {
  const killsOf = new Map<ActorId, number>();
  let kills = 0;
  let grownFrom = -1;
  while (!stopped()) {
    await new Promise((resolve) => setTimeout(resolve, rng.int(150, 650)));
    if (stopped()) break;
    if (log.bounds().nextIndex <= grownFrom) continue;
    const actors = await log.cluster.actors();
    const acceptorsDown = actors.filter((actor) => actor.role === 'acceptor' && !actor.alive).length;
    const candidates = actors.filter(
      (actor) => actor.alive && (killsOf.get(actor.id) ?? 0) < KILLS_PER_ACTOR_MAX && (actor.role !== 'acceptor' || 2 * (acceptorsDown + 1) < acceptors),
    );
    if (candidates.length === 0) continue;
    const victim = rng.pick(candidates);
    killsOf.set(victim.id, (killsOf.get(victim.id) ?? 0) + 1);
    try {
      grownFrom = log.bounds().nextIndex;
      await log.cluster.kill(victim.id);
      kills++;
    } catch {
      // Down already (a restart under way): nothing to kill.
    }
  }
  return kills;
}

/** Every acknowledged append at or above `from` read back exact, once each; the problems found. `byIndex`: the acknowledged appends by index. */
async function readBack(log: ReplicatedLog, byIndex: ReadonlyMap<number, Acked>, from: number, breakCheck: boolean): Promise<{ read: number; problems: string[] }> {
  const found = new Set<number>();
  const problems: string[] = [];
  let read = 0;
  let broken = !breakCheck;
  for await (const { index, data } of log.read({ from })) {
    read++;
    const append = byIndex.get(index);
    if (append === undefined) continue;
    found.add(index);
    // --break-check: the first acknowledged entry with bytes reads back with its first byte flipped.
    let bytes = data;
    if (!broken && data.length > 0) {
      bytes = Uint8Array.from(data, (byte, i) => (i === 0 ? byte ^ 1 : byte));
      broken = true;
    }
    if (Buffer.compare(Buffer.from(bytes), Buffer.from(entryFor(append.thread, append.seq, append.size))) !== 0) problems.push(`index ${index} reads back other bytes (${data.length} against ${append.size})`);
  }
  let missing = 0;
  for (const index of byIndex.keys()) if (index >= from && !found.has(index)) missing++;
  if (missing > 0) problems.push(`${missing} acknowledged appends missing`);
  return { read, problems };
}

/** The follower's view: indexes from 0 up without a gap, each acknowledged entry's length and checksum right. */
function checkFollower(outcome: FollowOutcome, byIndex: ReadonlyMap<number, Acked>): string[] {
  const problems: string[] = [];
  if (outcome.error !== undefined) problems.push(`follower: ${outcome.error}`);
  let expected = 0;
  for (const [index, length, sum] of outcome.seen) {
    if (index !== expected) problems.push(`follower read index ${index} after ${expected - 1}`);
    expected = index + 1;
    const append = byIndex.get(index);
    if (append !== undefined && (length !== append.size || sum !== checksumOf(append))) problems.push(`follower: index ${index} other bytes`);
  }
  const seen = new Set(outcome.seen.map(([index]) => index));
  let missing = 0;
  for (const index of byIndex.keys()) if (!seen.has(index)) missing++;
  if (missing > 0) problems.push(`follower missed ${missing} acknowledged appends`);
  return problems;
}

const checksums = new Map<string, number>();
/** The checksum the follower should have sent for `append` (computed once per entry). */
function checksumOf(append: Acked): number {
  const key = `${append.thread}/${append.seq}/${append.size}`;
  let sum = checksums.get(key);
  if (sum === undefined) checksums.set(key, (sum = checksum(entryFor(append.thread, append.seq, append.size))));
  return sum;
}

/** How long a learner that was behind at a trim may take to catch up and trim the rest, at most. */
const TRIM_CATCH_UP_MS = 20_000;

/**
 * trim(n)'s contract: it resolves to the log's start, n unless a learner that is behind has not
 * delivered that far yet (the start is then lower, and that learner trims the rest as it catches
 * up). So: never past n, and n once the learners caught up.
 */
async function checkTrim(log: ReplicatedLog, trimTo: number, trimmedTo: number): Promise<string[]> {
  if (trimmedTo > trimTo) return [`trim(${trimTo}) resolved to ${trimmedTo}, past the index asked`];
  const deadline = performance.now() + TRIM_CATCH_UP_MS;
  while (log.bounds().firstIndex < trimTo && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  const { firstIndex } = log.bounds();
  return firstIndex === trimTo ? [] : [`trim(${trimTo}) resolved to ${trimmedTo}, and after ${TRIM_CATCH_UP_MS} ms the log starts at ${firstIndex}`];
}

/** The stage, the log's bounds and its actors (alive, restarts, leading): what --verbose prints while a stage lasts. */
async function describeState(log: ReplicatedLog | undefined, stage: string): Promise<string> {
  if (log === undefined) return stage;
  try {
    const actors = await log.cluster.actors();
    const counters = await Promise.all(actors.map((actor) => (actor.alive ? log.cluster.counters(actor.id).catch(() => undefined) : undefined)));
    // What each learner delivered and the slot it waits for; what each proposer knows chosen.
    const progress = (i: number): string => {
      const c = counters[i];
      if (c === undefined) return '';
      if (actors[i]!.role === 'learner') return ` delivered ${c.delivered} next slot ${c.nextSlot}`;
      if (actors[i]!.role === 'proposer') return ` chosen below ${c.chosenBelow}`;
      return ` slots ${c.logSlots}`;
    };
    const roles = actors.map(
      (actor, i) => `${actor.role[0]}${actor.id}${actor.alive ? '' : ' down'}${actor.leader ? ' leading' : ''}${actor.restarts > 0 ? ` x${actor.restarts}` : ''}${progress(i)}`,
    );
    // The appending thread's client: what it has in flight, resent, and whom it takes for leader.
    const m = log.metrics();
    const client = `client inflight ${m.appendsInflight} resent ${m.appendsResentTotal} timed out ${m.appendsFailedTimeoutTotal} leader ${m.leaderId} gave up ${m.actorGaveUpsTotal ?? 0}`;
    return `${stage}: bounds ${JSON.stringify(log.bounds())}, ${client}, ${roles.join(', ')}`;
  } catch (error) {
    return `${stage}: ${(error as Error).message}`;
  }
}

async function runTrial(seed: number, args: Args): Promise<{ line: string; ok: boolean }> {
  const rng = new Rng(seed);
  const plan: TrialPlan = planTrial(rng.fork());
  const killRng = rng.fork();
  const label = `seed ${seed} ${JSON.stringify(plan.options)}`;
  const started = performance.now();
  const problems: string[] = [];
  let log: ReplicatedLog | undefined;
  let stage = 'open';
  const note = (next: string): void => {
    stage = next;
    if (args.verbose) console.log(`  seed ${seed}: ${stage} (${(performance.now() - started).toFixed(0)} ms)`);
  };
  const watchdog = args.verbose ? setInterval(() => void describeState(log, stage).then((state) => console.log(`  seed ${seed}: still ${state}`)), 10_000) : undefined;
  try {
    log = await ReplicatedLog.open(plan.options);
    await log.append(new Uint8Array(plan.entryBytesMax + 1)).then(
      () => problems.push(`an entry of ${plan.entryBytesMax + 1} bytes was taken`),
      (error: unknown) => {
        if (!(error instanceof EntryTooLargeError)) problems.push(`an entry too large: ${(error as Error).name}, not EntryTooLargeError`);
      },
    );
    const handle = log.handle();
    const follower = startThread<FollowOutcome>({ mode: 'follow', handle });
    const appender = startThread<AppendOutcome>({ mode: 'append', handle, thread: 1, sizes: plan.sizes[1], lanes: plan.lanes[1] });
    note('appending');
    let appending = true;
    const killing = args.kills ? killLoop(log, plan.options.acceptors!, killRng, () => !appending) : Promise.resolve(0);
    const own = log;
    // --verbose: the log's state as the first of this thread's appends fails (a stall shows who waits).
    let failureShown = !args.verbose;
    const appendOwn = (bytes: Uint8Array): Promise<number> =>
      own.append(bytes).catch(async (error: unknown) => {
        if (!failureShown) {
          failureShown = true;
          console.log(`  seed ${seed}: an append failed (${(error as Error).name}): ${await describeState(own, stage)}`);
        }
        throw error;
      });
    const outcomes = [await appendAll(appendOwn, 0, plan.sizes[0], plan.lanes[0]), await appender.result];
    appending = false;
    const kills = await killing;
    const ackedList = outcomes.flatMap((outcome) => outcome.acked);
    // Each acknowledged append by its index, built once for every check below.
    const acked = new Map(ackedList.map((append) => [append.index, append]));
    const failures = outcomes.flatMap((outcome) => outcome.failures);
    if (failures.length > 0) problems.push(`${failures.length} appends failed (${[...new Set(failures)].join(', ')})`);
    note('following');
    follower.worker.postMessage(log.bounds().nextIndex);
    problems.push(...checkFollower(await follower.result, acked));
    note('reading back');
    const fresh = await readBack(log, acked, 0, args.breakCheck);
    problems.push(...fresh.problems);
    const trimTo = Math.floor(log.bounds().nextIndex / 2);
    note('trimming');
    const trimmedTo = await log.trim(trimTo);
    problems.push(...(await checkTrim(log, trimTo, trimmedTo)));
    problems.push(...(await readBack(log, acked, trimTo, false)).problems.map((problem) => `after trim: ${problem}`));
    note('closing');
    await log.close();
    log = undefined;
    let reopened = '';
    if (plan.options.storage !== undefined) {
      const options: LogOptions = { ...plan.options, ...plan.reopen };
      note('reopening');
      log = await ReplicatedLog.open(options);
      const again = await readBack(log, acked, trimTo, false);
      problems.push(...again.problems.map((problem) => `reopened: ${problem}`));
      const more = await appendAll((bytes) => log!.append(bytes), 2, plan.sizes[0].slice(0, 20), 4);
      if (more.failures.length > 0) problems.push(`reopened: ${more.failures.length} appends failed`);
      await log.close();
      log = undefined;
      reopened = `, reopened and read ${again.read}`;
    }
    const ms = (performance.now() - started).toFixed(0);
    if (problems.length > 0) return { line: `FAIL ${label}: ${problems.slice(0, 5).join('; ')}`, ok: false };
    return { line: `ok seed ${seed}: ${ackedList.length} acknowledged, ${kills} kills, read ${fresh.read}${reopened} (${ms} ms)`, ok: true };
  } catch (error) {
    return { line: `FAIL ${label}: threw ${(error as Error).stack ?? String(error)}`, ok: false };
  } finally {
    clearInterval(watchdog);
    await log?.close().catch(() => undefined);
    if (plan.options.storage !== undefined) rmSync(plan.options.storage.dir, { recursive: true, force: true });
  }
}

let args: Args;
try {
  args = parseArgs(process.argv.slice(2));
} catch (error) {
  console.error(`npm run fuzz: ${(error as Error).message}`);
  process.exit(2);
}
let failed = 0;
for (let seed = args.start; seed < args.start + args.seeds; seed++) {
  const { line, ok } = await runTrial(seed, args);
  console.log(line);
  if (!ok) failed++;
}
console.log(`${args.seeds - failed} of ${args.seeds} trials clean (seeds ${args.start} to ${args.start + args.seeds - 1}); replay one: npm run fuzz -- --start N --seeds 1`);
process.exitCode = failed > 0 ? 1 : 0;
