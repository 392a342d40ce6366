// `log.status()`: how the log is, from sources it already has: the learners' delivered counts and
// first indexes in shared memory, the runtime's list of actors, the leader last announced, the
// storage failure roles are reporting. Only when no live leader was announced does it ask the
// proposers (their counters, one control call each).
import type { ActorId, ActorInfo } from '../actors/index.js';
import { isStorageFullCode, type FsyncMode } from '../storage/index.js';
import type { ClusterLayout } from '../protocol/cluster-layout.js';
import { readFirstIndexes } from '../protocol/first-indexes.js';
import type { LogRole } from './log-events.js';
import type { LogMonitor } from './log-monitor.js';
import { readDeliveredCounts } from '../protocol/read-barrier.js';

/** `log.bounds()`, readable on any thread: the entries a read can return are [firstIndex, nextIndex). */
export interface LogBounds {
  /** Where the log starts after trims: the lowest first index over the learners (what trim() resolves to). */
  firstIndex: number;
  /** One past the last entry committed and delivered: the most entries any learner has delivered. */
  nextIndex: number;
}

export interface LearnerStatus {
  id: ActorId;
  /** Entries this learner has delivered and made durable: it has every index below this. */
  delivered: number;
  /** Where its log starts after trims. */
  firstIndex: number;
  alive: boolean;
}

export interface ActorStatus {
  id: ActorId;
  role: LogRole;
  alive: boolean;
  /** Times it came back since the log opened. */
  restarts: number;
  /** Why it last died, while it is down. */
  exitReason?: string;
}

export interface QuorumStatus {
  acceptors: number;
  acceptorsAlive: number;
  /** A majority of `acceptors`. */
  acceptorsNeeded: number;
  /** A majority is alive: appends can commit (given a leader). */
  ok: boolean;
}

/** 'full': a role reported ENOSPC or EDQUOT (memoryBytesMax, in memory); 'error': another disk error. */
export type StorageState = 'ok' | 'full' | 'error';

export interface StorageFailureStatus {
  code: string;
  errno?: number;
  path?: string;
  /** The actor that reported it first. */
  reportedBy: ActorId;
  /** When it began, in ms since the epoch. */
  sinceEpochMs: number;
}

export type StorageStatus =
  | { kind: 'memory'; memoryBytesMax: number; state: StorageState; failure?: StorageFailureStatus }
  | { kind: 'file'; dir: string; fsync: FsyncMode; state: StorageState; failure?: StorageFailureStatus };

export interface LogStatus extends LogBounds {
  /** The proposer leading now, if one is known and its thread is alive. */
  leader: ActorId | undefined;
  learners: LearnerStatus[];
  actors: ActorStatus[];
  quorum: QuorumStatus;
  storage: StorageStatus;
}

/** Where the log keeps its state, as opened. */
export type StorageConfigStatus = { kind: 'memory'; memoryBytesMax: number } | { kind: 'file'; dir: string; fsync: FsyncMode };

/** What bounds() reads: the learners' shared counts. */
export interface SharedBounds {
  readonly deliveredCounts: SharedArrayBuffer;
  readonly firstIndexes: SharedArrayBuffer;
}

export function readBounds(shared: SharedBounds): LogBounds {
  const delivered = readDeliveredCounts(shared.deliveredCounts);
  const firsts = readFirstIndexes(shared.firstIndexes);
  return { firstIndex: Math.min(...firsts), nextIndex: Math.max(0, ...delivered) };
}

export interface StatusSources {
  readonly layout: ClusterLayout;
  readonly shared: SharedBounds;
  readonly storage: StorageConfigStatus;
  readonly monitor: LogMonitor;
  readonly actors: () => ActorInfo[];
  /** Asks the proposers which leads (their counters): for when no live leader was announced. */
  readonly askLeader: () => Promise<ActorId | undefined>;
}

export async function buildStatus(sources: StatusSources): Promise<LogStatus> {
  const { layout, monitor } = sources;
  const infos = new Map(sources.actors().map((info) => [info.id, info]));
  const alive = (id: ActorId): boolean => infos.get(id)?.alive === true;
  let leader = monitor.leader !== undefined && alive(monitor.leader) ? monitor.leader : undefined;
  if (leader === undefined) leader = await sources.askLeader();
  const delivered = readDeliveredCounts(sources.shared.deliveredCounts);
  const firsts = readFirstIndexes(sources.shared.firstIndexes);
  const actors = [...infos.values()].map((info): ActorStatus => {
    const status: ActorStatus = { id: info.id, role: monitor.roleOf(info.id), alive: info.alive, restarts: monitor.restartsOf(info.id) };
    if (!info.alive && info.exitReason !== undefined) status.exitReason = info.exitReason;
    return status;
  });
  const acceptorsAlive = layout.acceptors.filter(alive).length;
  const acceptorsNeeded = Math.floor(layout.acceptors.length / 2) + 1;
  const failure = monitor.storage?.failure;
  const state: StorageState = failure === undefined ? 'ok' : isStorageFullCode(failure.code) ? 'full' : 'error';
  const storage: StorageStatus = { ...sources.storage, state };
  if (failure !== undefined) {
    storage.failure = { code: failure.code, reportedBy: failure.from, sinceEpochMs: monitor.storage!.sinceEpochMs };
    if (failure.errno !== 0) storage.failure.errno = failure.errno;
    if (failure.path !== '') storage.failure.path = failure.path;
  }
  return {
    leader,
    firstIndex: Math.min(...firsts),
    nextIndex: Math.max(0, ...delivered),
    learners: layout.learners.map((id, slot) => ({ id, delivered: delivered[slot]!, firstIndex: firsts[slot]!, alive: alive(id) })),
    actors,
    quorum: { acceptors: layout.acceptors.length, acceptorsAlive, acceptorsNeeded, ok: acceptorsAlive >= acceptorsNeeded },
    storage,
  };
}
