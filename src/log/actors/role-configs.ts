// What each role's worker actor is started with: the layout of the cluster, its limits, its store.
import type { FsyncMode, SharedStoreMemory } from '../../storage/index.js';
import type { ClusterLayout } from '../../protocol/cluster-layout.js';
import type { LogLimits } from '../../protocol/limits.js';


/** Where a role keeps what it must not forget. */
export type StoreConfig =
  /** In memory: shared memory owned by the main thread, so it outlives the actor's worker. */
  | { readonly kind: 'shared'; readonly memory: SharedStoreMemory }
  | { readonly kind: 'file'; readonly path: string; readonly fsync: FsyncMode };

/** The log's options a proposer runs with: the real one and its warm-up rehearsal alike. */
export interface ProposerTuning {
  readonly heartbeatIntervalMs: number;
  readonly electionTimeoutMs: number;
  readonly windowSlotsMax: number;
  /** ProposerConfig.windowBytesMax (leaderValueBytesMax in limits.ts). */
  readonly windowBytesMax: number;
  readonly batchCommandsMax: number;
  readonly batchBytesMax: number;
  readonly pendingCommandsMax: number;
}

export interface ProposerActorConfig extends ProposerTuning {
  readonly layout: ClusterLayout;
  /** While leading with this many bytes of client commands queued, clients' batches wait in their mailboxes (leaderValueBytesMax in limits.ts). */
  readonly queuedCommandBytesMax: number;
}

/** Just the tuning of a proposer's config (field by field, so nothing else rides along). */
export function proposerTuningOf(config: ProposerTuning): ProposerTuning {
  return {
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    electionTimeoutMs: config.electionTimeoutMs,
    windowSlotsMax: config.windowSlotsMax,
    windowBytesMax: config.windowBytesMax,
    batchCommandsMax: config.batchCommandsMax,
    batchBytesMax: config.batchBytesMax,
    pendingCommandsMax: config.pendingCommandsMax,
  };
}

export interface AcceptorActorConfig {
  readonly layout: ClusterLayout;
  readonly limits: LogLimits;
  readonly store: StoreConfig;
}

export interface LearnerActorConfig {
  readonly layout: ClusterLayout;
  readonly limits: LogLimits;
  readonly store: StoreConfig;
  /** Keep entries for reads (a log); false for a sequencer, whose entries nobody reads. */
  readonly retainEntries: boolean;
  /** Every learner's delivered count, shared (see read-barrier.ts): reads see what resolved before them. */
  readonly deliveredCounts: SharedArrayBuffer;
  /** Every learner's first index, shared (see first-indexes.ts): bounds() on any thread. */
  readonly firstIndexes: SharedArrayBuffer;
}
