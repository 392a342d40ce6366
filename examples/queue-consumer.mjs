// A synod log used as a durable queue: a producer appends jobs, a consumer follows the log and
// does each job exactly once, across clean stops, SIGTERM and kill -9.
//
//   node examples/queue-consumer.mjs <dir> <jobs> [--stop-after <count>]
//
// The log lives in <dir>/log (storage.dir: it survives the process). The consumer keeps its state
// in <dir>/consumer.json: its position (the last index it processed) together with the effects of
// its work (here, the list of jobs done). Both are replaced in ONE atomic, durable write (a
// temporary file, fsync, rename, fsync of the directory), so position and effects never disagree:
// after a crash at any point the consumer resumes at position + 1, and no job is missed or done
// twice. In an application, the same rule reads: store the position in the same transaction as
// the work it covers (a row in the database the work writes to, say).
//
// Prints "processed <index>" for each job done, then "done <position>" once job <jobs - 1> is done,
// or "stopped <position>" after --stop-after jobs or a SIGTERM/SIGINT. Exits 3 if the entries it
// needs next were trimmed (another consumer or an operator released them): skipping them silently
// would lose jobs, so it says which and leaves the decision to a person.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogTrimmedError, ReplicatedLog } from 'synod';

const [dir, jobsArg, flag, stopAfterArg] = process.argv.slice(2);
const jobs = Number(jobsArg);
const stopAfter = flag === undefined ? Number.POSITIVE_INFINITY : flag === '--stop-after' ? Number(stopAfterArg) : Number.NaN;
const stopAfterOk = stopAfter === Number.POSITIVE_INFINITY || (Number.isInteger(stopAfter) && stopAfter >= 1);
if (!dir || !Number.isInteger(jobs) || jobs < 1 || !stopAfterOk) {
  console.error('usage: node examples/queue-consumer.mjs <dir> <jobs> [--stop-after <count>]');
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
const statePath = join(dir, 'consumer.json');
/** Trim the log every this many jobs: what every consumer has processed is released. */
const TRIM_EVERY = 25;

/** The consumer's durable state: nothing processed yet is position -1. */
function loadState() {
  try {
    return JSON.parse(readFileSync(statePath, 'utf8'));
  } catch (error) {
    if (error.code === 'ENOENT') return { position: -1, done: [] };
    throw error;
  }
}

/** Replaces the state file atomically and durably: a crash leaves the old state or the new, never half. */
function saveState(state) {
  const temporary = `${statePath}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    writeFileSync(fd, JSON.stringify(state));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, statePath);
  // The rename itself is durable only once the directory is synced.
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** The work: here, a record of the job in the state. Anything that commits with the position will do. */
function doJob(state, index, data) {
  state.done.push([index, new TextDecoder().decode(data)]);
}

const state = loadState();
if (state.position >= jobs - 1) {
  console.log(`done ${state.position}`); // every job was done by an earlier run
  process.exit(0);
}
const log = await ReplicatedLog.open({ storage: { dir: join(dir, 'log') } });
const stop = new AbortController();
process.once('SIGTERM', () => stop.abort());
process.once('SIGINT', () => stop.abort());

// The producer: appends jobs until the log holds `jobs` entries (after a restart, from where it is).
const producing = (async () => {
  for (let i = log.bounds().nextIndex; i < jobs && !stop.signal.aborted; i++) await log.append(new TextEncoder().encode(`job ${i}`));
})().catch((error) => {
  if (!stop.signal.aborted) throw error; // stopping closes the log under an append: expected
});

let outcome = 'stopped';
let processedNow = 0;
try {
  // Resume right after the last job whose effects were saved.
  for await (const { index, data } of log.read({ from: state.position + 1, follow: true, signal: stop.signal })) {
    doJob(state, index, data);
    state.position = index;
    saveState(state); // effects and position together: the commit point
    console.log(`processed ${index}`);
    // After the commit, never before: a crash between the two trims nothing that is still needed.
    if (index % TRIM_EVERY === TRIM_EVERY - 1) await log.trim(index + 1);
    if (index >= jobs - 1) {
      outcome = 'done';
      break;
    }
    if (++processedNow >= stopAfter) break;
  }
} catch (error) {
  if (error instanceof LogTrimmedError) {
    console.error(`entries ${error.index} to ${error.firstIndex - 1} were trimmed before this consumer processed them; the log now starts at ${error.firstIndex}`);
    process.exitCode = 3;
  } else if (!stop.signal.aborted) {
    throw error;
  }
}
if (process.exitCode !== 3) console.log(`${outcome} ${state.position}`);
stop.abort(); // stops the producer, if it is still appending
await log.close();
await producing;
