// synod: the public entry point. It exports what an application needs, and no more: the log, the
// sequencer, their options, handles, status and events, and every error they can throw. Each name
// here is the stable API.
//
// The building blocks have subpaths of their own, documented as internals that may change between
// minor versions: synod/log (the log's parts: client, limits, wire), synod/actors, synod/mailbox,
// synod/paxos, synod/storage and synod/sim.

export { ReplicatedLog } from './log/replicated-log.js';
export type { Cluster } from './log/replicated-log.js';
export type { AppendOptions, ReadOptions, LogHandle, ClusterActor, LogRole } from './log/replicated-log.js';
export { Sequencer } from './log/sequencer.js';
export type { SequencerHandle } from './log/sequencer.js';
export type { LogEntry } from './protocol/read-core.js';
export type { LogOptions, StorageOptions } from './log/options.js';
export type { FsyncMode } from './storage/index.js';
export type { SupervisionOptions, KillOptions } from './actors/supervisor.js';
export type { ActorId } from './actors/types.js';
export { logLimits, ENTRY_BYTES_DEFAULT, type LogLimits } from './protocol/limits.js';

export type { LogBounds, LogStatus, LearnerStatus, ActorStatus, QuorumStatus, StorageStatus, StorageState, StorageFailureStatus } from './log/log-status.js';
export type { LogMetrics } from './log/log-metrics.js';
export {
  LOG_EVENT_CHANNELS,
  type LogEventMap,
  type LogEventName,
  type LeaderChangeEvent,
  type LogActorExitEvent,
  type LogActorRestartEvent,
  type LogActorGaveUpEvent,
  type QuorumEvent,
  type StorageFailureEvent,
  type StorageRecoveredEvent,
} from './log/log-events.js';

// Every error the log and the sequencer throw, and the stable code each carries.
export { SynodErrorCode, synodErrorCode } from './error-codes.js';
export {
  AbortError,
  AppendTimeoutError,
  ConnectRefusedError,
  ConnectionReclaimedError,
  EntryTooLargeError,
  LogClosedError,
  TrimTimeoutError,
} from './protocol/errors.js';
export { ConnectionLimitError } from './log/connection-generations.js';
export { LayoutMismatchError } from './log/dir-layout.js';
export { StorageDirInUseError } from './log/dir-lock.js';
export { CorruptLogError, LogTrimmedError, StorageError, StorageFullError } from './storage/index.js';
export { ActorNotRunningError, ActorSystemClosedError, UnknownActorError } from './actors/errors.js';
