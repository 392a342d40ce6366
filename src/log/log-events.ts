// The events a log (or sequencer) emits, their payloads, and the node:diagnostics_channel
// channels that carry the same. Emitting never throws into synod: a listener that throws is
// rethrown on the next tick (an 'uncaughtException', as from any emitter Node fires from I/O),
// and, as with any EventEmitter, the listeners after it do not hear that event.
import diagnosticsChannel from 'node:diagnostics_channel';
import type { EventEmitter } from 'node:events';
import type { ActorId } from '../actors/index.js';

export type LogRole = 'proposer' | 'acceptor' | 'learner';

/** A proposer announced it leads; `previous` is the leader announced before it (undefined: none yet). */
export interface LeaderChangeEvent {
  leader: ActorId;
  previous: ActorId | undefined;
}

/** An actor's worker thread ended: killed, crashed, or stopped. */
export interface LogActorExitEvent {
  id: ActorId;
  role: LogRole;
  worker: string;
  reason: string;
}

/** An actor is back: restarted through `log.cluster.restart` or by the runtime's supervisor. */
export interface LogActorRestartEvent {
  id: ActorId;
  role: LogRole;
  worker: string;
  /** Times this actor came back since the log opened, this time included. */
  restarts: number;
  /** How long it was down, in ms (undefined if its exit was not seen). */
  downMs: number | undefined;
  /** True when the runtime's supervisor restarted it, false for a restart asked for. */
  supervised: boolean;
}

/** The runtime's supervisor stopped restarting an actor that kept dying. */
export interface LogActorGaveUpEvent {
  id: ActorId;
  role: LogRole;
  worker: string;
  reason: string;
  restarts: number;
}

/** Fewer than a majority of acceptors are alive (quorumLost), or a majority is again (quorumRegained). */
export interface QuorumEvent {
  acceptors: number;
  acceptorsAlive: number;
  acceptorsNeeded: number;
}

/** A role reported a disk (or memoryBytesMax) that refuses writes: storageFull for ENOSPC/EDQUOT, storageError for any other code. */
export interface StorageFailureEvent {
  /** errno name: ENOSPC, EDQUOT, EIO, ... */
  code: string;
  errno: number | undefined;
  /** The file, or 'shared memory' for an in-memory log. */
  path: string | undefined;
  /** The actor that reported it first. */
  reportedBy: ActorId;
}

/** The storage failure is over: an append committed again, or no role reported it for a second. */
export interface StorageRecoveredEvent {
  /** The code of the failure that ended. */
  code: string;
  /** How long it lasted, in ms. */
  failedMs: number;
}

/** Event name to listener arguments: `log.on('leaderChange', ({ leader, previous }) => ...)`. */
export interface LogEventMap {
  leaderChange: [LeaderChangeEvent];
  actorExit: [LogActorExitEvent];
  actorRestart: [LogActorRestartEvent];
  actorGaveUp: [LogActorGaveUpEvent];
  quorumLost: [QuorumEvent];
  quorumRegained: [QuorumEvent];
  storageFull: [StorageFailureEvent];
  storageError: [StorageFailureEvent];
  storageRecovered: [StorageRecoveredEvent];
}

export type LogEventName = keyof LogEventMap;

/** The node:diagnostics_channel channel of each event; a message is the event's payload plus `log`, the ReplicatedLog or Sequencer that fired it. */
export const LOG_EVENT_CHANNELS = {
  leaderChange: 'synod:log:leader-change',
  actorExit: 'synod:log:actor-exit',
  actorRestart: 'synod:log:actor-restart',
  actorGaveUp: 'synod:log:actor-gave-up',
  quorumLost: 'synod:log:quorum-lost',
  quorumRegained: 'synod:log:quorum-regained',
  storageFull: 'synod:log:storage-full',
  storageError: 'synod:log:storage-error',
  storageRecovered: 'synod:log:storage-recovered',
} as const satisfies Record<LogEventName, string>;

const channels = Object.fromEntries(
  Object.entries(LOG_EVENT_CHANNELS).map(([name, channel]) => [name, diagnosticsChannel.channel(channel)]),
) as Record<LogEventName, diagnosticsChannel.Channel>;

/** How a monitor hands an event to whoever emits it (the log, once it exists). */
export type LogEventSink = <K extends LogEventName>(name: K, event: LogEventMap[K][0]) => void;

/**
 * Emits `event` on `target` and publishes it on its channel (with `log: source`). Never throws:
 * a listener's error goes to the next tick, as diagnostics_channel does with a subscriber's.
 */
export function emitLogEvent<K extends LogEventName>(target: EventEmitter<LogEventMap>, source: object, name: K, event: LogEventMap[K][0]): void {
  const channel = channels[name];
  if (channel.hasSubscribers) channel.publish({ ...event, log: source });
  try {
    (target as EventEmitter).emit(name, event);
  } catch (error) {
    process.nextTick(() => {
      throw error;
    });
  }
}
