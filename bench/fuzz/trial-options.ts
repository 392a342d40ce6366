// The options of a fuzz trial, drawn from a seed: each at or near a bound, in combinations nobody
// would pick by hand (a 64 KiB ring with entries at its bound, one slot in flight, batches of one
// command, an append window of one, seven acceptors, three learners, a directory with each fsync
// mode, a small memoryBytesMax).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logLimits, type LogOptions } from '../../src/index.js';
import type { Rng } from '../../src/sim/rng.js';

export interface TrialPlan {
  readonly options: LogOptions;
  /** The largest entry the trial appends: entryBytesMax as resolved. */
  readonly entryBytesMax: number;
  /** Entry sizes per appending thread (0: the main thread, 1: a worker). */
  readonly sizes: readonly [number[], number[]];
  readonly lanes: readonly [number, number];
  /** Tuning for the reopen (a directory only): other batching, window and fsync mode. */
  readonly reopen: Pick<LogOptions, 'batchCommandsMax' | 'windowSlotsMax' | 'storage'>;
}

/** Bytes a trial appends per thread, at most (so a trial takes seconds at any entry size). */
const BYTES_PER_THREAD = 2_000_000;

export function planTrial(rng: Rng): TrialPlan {
  const ringBytes = rng.pick([1 << 16, 1 << 17, 1 << 20, 1 << 22]);
  const limits = logLimits(ringBytes);
  const entryBytesMax = rng.pick([1, 100, Math.min(65_536, ringBytes / 4), limits.entryBytesBound]);
  const fsync = rng.pick(['always', 'batch', 'never'] as const);
  const storage = rng.chance(0.5) ? { dir: mkdtempSync(join(tmpdir(), 'synod-fuzz-')), fsync } : undefined;
  const smallMemory = storage === undefined && rng.chance(0.3);
  const count = Math.max(40, Math.min(400, Math.floor(BYTES_PER_THREAD / Math.max(1, entryBytesMax))));
  const size = (): number => {
    const draw = rng.next();
    return draw < 0.1 ? 0 : draw < 0.2 ? 1 : draw < 0.35 ? entryBytesMax : rng.int(0, entryBytesMax);
  };
  const sizes: [number[], number[]] = [Array.from({ length: count }, size), Array.from({ length: count }, size)];
  // A small memoryBytesMax, still room for everything the trial appends (a full store is a
  // StorageFullError by design, which this trial does not look for): at least the least the log
  // takes, and twice the trial's bytes with room for records' heads.
  const trialBytes = sizes.flat().reduce((sum, bytes) => sum + bytes + 64, 0);
  const memoryBytesMax = Math.max(4 * limits.messageBytesMax, 1 << 20, 2 ** Math.ceil(Math.log2(2 * trialBytes)));
  const options: LogOptions = {
    acceptors: rng.pick([1, 3, 3, 5, 7]),
    proposers: rng.pick([1, 2, 3]),
    learners: rng.pick([1, 2, 3]),
    ringBytes,
    entryBytesMax,
    batchCommandsMax: rng.pick([1, 2, 256, 65_536]),
    windowSlotsMax: rng.pick([1, 2, 64, 65_536]),
    inflightAppendsMax: rng.pick([1, 3, 4096]),
    electionTimeoutMs: rng.pick([30, 100]),
    heartbeatIntervalMs: 10,
    ...(storage !== undefined ? { storage } : smallMemory ? { memoryBytesMax } : {}),
  };
  const lanes: [number, number] = [rng.pick([1, 4, 32]), rng.pick([1, 4, 32])];
  const reopen = {
    batchCommandsMax: rng.pick([1, 256]),
    windowSlotsMax: rng.pick([1, 64]),
    ...(storage !== undefined ? { storage: { dir: storage.dir, fsync: rng.pick(['always', 'batch', 'never'] as const) } } : {}),
  };
  return { options, entryBytesMax, sizes, lanes, reopen };
}
