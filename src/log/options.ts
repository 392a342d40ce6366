import { ACCEPTOR_COUNT_MAX, PROPOSER_DEFAULTS, checkAcceptorCount } from '../paxos/index.js';
import { resolveSupervision, type ResolvedSupervision, type SupervisionOptions } from '../actors/supervisor.js';
import { RING_CAPACITY_BYTES_DEFAULT } from '../mailbox/index.js';
import { FSYNC_MODES, SHARED_STORE_BYTES_MAX, type FsyncMode } from '../storage/index.js';
import { ENTRY_BYTES_DEFAULT, logLimits } from '../protocol/limits.js';

export interface StorageOptions {
  /** Directory for the acceptors' and learners' files; created if missing. */
  dir: string;
  /** 'always': fsync every record; 'batch' (default): group commit, one fsync per batch; 'never': leave it to the OS. */
  fsync?: FsyncMode;
}

export interface LogOptions {
  /** Odd, 1 to 31. Default 3: survives the crash of any one. */
  acceptors?: number;
  /** Default 2: a standby takes over when the leader dies. */
  proposers?: number;
  /** Default 1. */
  learners?: number;
  /** Omitted: in memory (state survives worker crashes, not the process). */
  storage?: StorageOptions;
  /**
   * Largest entry in bytes. Default 64 KiB (a quarter of ringBytes where that is less); at most what
   * one message of the ring carries as one command (logLimits(ringBytes).entryBytesBound).
   */
  entryBytesMax?: number;
  /** Commands per slot (batching). Default 256. */
  batchCommandsMax?: number;
  /** Slots in flight (pipelining). Default 64. */
  windowSlotsMax?: number;
  /** Appends one client keeps in flight before further appends wait (backpressure). Default 4096. */
  inflightAppendsMax?: number;
  /** An append not committed by then rejects with AppendTimeoutError. Default 30000. */
  appendTimeoutMs?: number;
  /** A standby waits [t, 2t) without heartbeats before campaigning. Default 100. */
  electionTimeoutMs?: number;
  /** Default 20. */
  heartbeatIntervalMs?: number;
  /** Each mailbox link's ring. Default 1 MiB. */
  ringBytes?: number;
  /**
   * In memory (no storage.dir): the most bytes each acceptor's and learner's store holds live (the
   * learner's is the log's entries, which trim releases). Reaching it is like a full disk: appends
   * fail with StorageFullError until trim makes room. Default and most: 4 GiB. Not with storage.dir.
   */
  memoryBytesMax?: number;
  /**
   * Restarts of actors (proposers, acceptors, learners) whose worker dies: on by default, backoff
   * from 5 ms doubling to 2 s, at most 10 restarts of one actor in 60 s (then it stays down);
   * tune any of it (see SupervisionOptions), or `false`: a dead actor stays down until
   * `cluster.restart(id)`.
   */
  supervision?: SupervisionOptions | false;
}

export interface ResolvedLogOptions {
  acceptors: number;
  proposers: number;
  learners: number;
  storage: { dir: string; fsync: FsyncMode } | undefined;
  entryBytesMax: number;
  batchCommandsMax: number;
  windowSlotsMax: number;
  inflightAppendsMax: number;
  appendTimeoutMs: number;
  electionTimeoutMs: number;
  heartbeatIntervalMs: number;
  ringBytes: number;
  memoryBytesMax: number;
  supervision: ResolvedSupervision | false;
}

const KNOWN_OPTIONS = new Set([
  'acceptors', 'proposers', 'learners', 'storage', 'entryBytesMax', 'batchCommandsMax', 'windowSlotsMax',
  'inflightAppendsMax', 'appendTimeoutMs', 'electionTimeoutMs', 'heartbeatIntervalMs', 'ringBytes', 'memoryBytesMax',
  'supervision',
]);

function integer(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`option ${name} must be an integer, got ${String(value)}`);
  if (value < min || value > max) throw new RangeError(`option ${name} must be from ${min} to ${max}, got ${value}`);
  return value;
}

/** Checks every option, fills defaults, and throws TypeError/RangeError naming the option, the value and the limit. */
export function resolveLogOptions(options: LogOptions = {}): ResolvedLogOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`options must be an object, got ${String(options)}`);
  for (const key of Object.keys(options)) if (!KNOWN_OPTIONS.has(key)) throw new TypeError(`unknown option ${key}`);
  const acceptors = integer('acceptors', options.acceptors, 3, 1, ACCEPTOR_COUNT_MAX);
  checkAcceptorCount('option acceptors', acceptors);
  let storage: ResolvedLogOptions['storage'];
  if (options.storage !== undefined) {
    const { dir, fsync = 'batch' } = options.storage as Partial<StorageOptions>;
    if (typeof dir !== 'string' || dir === '') throw new TypeError(`option storage.dir must be a non-empty path, got ${String(dir)}`);
    if (!FSYNC_MODES.includes(fsync)) throw new RangeError(`option storage.fsync must be one of ${FSYNC_MODES.join(', ')}, got ${String(fsync)}`);
    storage = { dir, fsync };
  }
  const ringBytes = integer('ringBytes', options.ringBytes, RING_CAPACITY_BYTES_DEFAULT, 1 << 16, 1 << 30);
  if ((ringBytes & (ringBytes - 1)) !== 0) throw new RangeError(`option ringBytes must be a power of two, got ${ringBytes}`);
  const limits = logLimits(ringBytes);
  const entryBytesMax = integer('entryBytesMax', options.entryBytesMax, Math.min(ENTRY_BYTES_DEFAULT, ringBytes / 4), 0, Number.MAX_SAFE_INTEGER);
  if (entryBytesMax > limits.entryBytesBound) {
    throw new RangeError(
      `option entryBytesMax ${entryBytesMax} is more than one message carries with ringBytes ${ringBytes}: ` +
        `at most ${limits.entryBytesBound} bytes (raise ringBytes or lower entryBytesMax)`,
    );
  }
  const electionTimeoutMs = integer('electionTimeoutMs', options.electionTimeoutMs, PROPOSER_DEFAULTS.electionTimeoutMs, 1, 600_000);
  const heartbeatIntervalMs = integer('heartbeatIntervalMs', options.heartbeatIntervalMs, PROPOSER_DEFAULTS.heartbeatIntervalMs, 1, 600_000);
  if (heartbeatIntervalMs >= electionTimeoutMs) {
    throw new RangeError(
      `option heartbeatIntervalMs ${heartbeatIntervalMs} must be below option electionTimeoutMs ${electionTimeoutMs} (a leader must beat the standbys' timeout)`,
    );
  }
  const memoryBytesMax = integer('memoryBytesMax', options.memoryBytesMax, SHARED_STORE_BYTES_MAX, 1 << 20, SHARED_STORE_BYTES_MAX);
  if (options.memoryBytesMax !== undefined && storage !== undefined) {
    throw new RangeError('option memoryBytesMax bounds an in-memory log; with option storage.dir the entries are on disk');
  }
  if (memoryBytesMax < 4 * logLimits(ringBytes).messageBytesMax) {
    throw new RangeError(
      `option memoryBytesMax ${memoryBytesMax} must hold at least four of the largest messages of option ringBytes ${ringBytes}: at least ${4 * logLimits(ringBytes).messageBytesMax}`,
    );
  }
  return {
    memoryBytesMax,
    acceptors,
    proposers: integer('proposers', options.proposers, 2, 1, 15),
    learners: integer('learners', options.learners, 1, 1, 15),
    storage,
    entryBytesMax,
    batchCommandsMax: integer('batchCommandsMax', options.batchCommandsMax, PROPOSER_DEFAULTS.batchCommandsMax, 1, 65_536),
    windowSlotsMax: integer('windowSlotsMax', options.windowSlotsMax, PROPOSER_DEFAULTS.windowSlotsMax, 1, 65_536),
    inflightAppendsMax: integer('inflightAppendsMax', options.inflightAppendsMax, 4096, 1, 65_535),
    appendTimeoutMs: integer('appendTimeoutMs', options.appendTimeoutMs, 30_000, 1, 2 ** 31 - 1),
    electionTimeoutMs,
    heartbeatIntervalMs,
    ringBytes,
    supervision: options.supervision === false ? false : resolveSupervision(options.supervision, 'option supervision'),
  };
}
