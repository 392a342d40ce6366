// What a log knows about itself without asking anyone: the leader last announced (NewLeader
// reaches every client), the storage failure roles are reporting, and (where the log was opened)
// which actors are alive, from the runtime's events. It turns changes into the log's events and
// keeps their counts for metrics(). Nothing here polls or sends a message.
import { performance } from 'node:perf_hooks';
import type { ActorExitEvent, ActorGaveUpEvent, ActorId, ActorRestartEvent, ActorSystem } from '../actors/index.js';
import { isStorageFullCode } from '../storage/index.js';
import type { ClusterLayout } from '../protocol/cluster-layout.js';
import type { LogEventSink, LogRole } from './log-events.js';
import type { StorageFailureMessage } from '../protocol/wire.js';

/** The storage failure roles are reporting now. */
export interface StorageFailureState {
  readonly failure: StorageFailureMessage;
  /** When the first report arrived, in ms since the epoch. */
  readonly sinceEpochMs: number;
}

/** Counts of what the monitor saw since the log opened (or connected), for metrics(). */
export interface MonitorCounts {
  leaderChanges: number;
  storageFailures: number;
  actorExits: number;
  actorRestarts: number;
  actorGaveUps: number;
  quorumLosses: number;
}

export class LogMonitor {
  /** The last proposer announced as leader (it may have died since: status() checks). */
  leader: ActorId | undefined;
  /** The highest ballot a leader was known by (0: none). */
  private leaderBallot = 0;
  storage: StorageFailureState | undefined;
  readonly counts: MonitorCounts = { leaderChanges: 0, storageFailures: 0, actorExits: 0, actorRestarts: 0, actorGaveUps: 0, quorumLosses: 0 };
  /** Acceptors alive, as the actor events tell (owner only; all of them until told otherwise). */
  private readonly acceptorsAlive: Set<ActorId>;
  /** Actors that exited and have not come back, with when (performance.now() ms). */
  private readonly downSince = new Map<ActorId, number>();
  private readonly restarts = new Map<ActorId, number>();
  private readonly workers = new Map<ActorId, string>();

  constructor(
    private readonly layout: ClusterLayout,
    private readonly emit: LogEventSink,
  ) {
    this.acceptorsAlive = new Set(layout.acceptors);
  }

  /**
   * A NewLeader arrived (the client's append core saw it), or open() found the leader by its
   * counters, with the ballot it leads with (undefined: not known). The same leader again is no
   * change; a lower ballot than the last one known is an older leadership's, overtaken.
   */
  leaderAnnounced(leader: ActorId, ballot?: number): void {
    if (ballot !== undefined) {
      if (ballot < this.leaderBallot) return;
      this.leaderBallot = ballot;
    }
    if (leader === this.leader) return;
    const previous = this.leader;
    this.leader = leader;
    this.counts.leaderChanges++;
    this.emit('leaderChange', { leader, previous });
  }

  /** Roles began reporting a storage failure, or it is over (undefined). */
  storageFailureChanged(failure: StorageFailureMessage | undefined): void {
    const was = this.storage;
    if (failure !== undefined) {
      if (was !== undefined) return;
      this.storage = { failure, sinceEpochMs: Date.now() };
      this.counts.storageFailures++;
      const event = { code: failure.code, errno: failure.errno === 0 ? undefined : failure.errno, path: failure.path === '' ? undefined : failure.path, reportedBy: failure.from };
      this.emit(isStorageFullCode(failure.code) ? 'storageFull' : 'storageError', event);
      return;
    }
    if (was === undefined) return;
    this.storage = undefined;
    this.emit('storageRecovered', { code: was.failure.code, failedMs: Math.max(0, Date.now() - was.sinceEpochMs) });
  }

  get quorum(): { acceptors: number; acceptorsAlive: number; acceptorsNeeded: number; ok: boolean } {
    const acceptors = this.layout.acceptors.length;
    const acceptorsNeeded = Math.floor(acceptors / 2) + 1;
    const acceptorsAlive = this.acceptorsAlive.size;
    return { acceptors, acceptorsAlive, acceptorsNeeded, ok: acceptorsAlive >= acceptorsNeeded };
  }

  restartsOf(id: ActorId): number {
    return this.restarts.get(id) ?? 0;
  }

  roleOf(id: ActorId): LogRole {
    return this.layout.proposers.includes(id) ? 'proposer' : this.layout.acceptors.includes(id) ? 'acceptor' : 'learner';
  }

  /**
   * Follows the runtime's actor events (where the log was opened); returns the unsubscribe. The
   * runtime reports every restart, the supervisor's and restart()'s alike (`supervised` tells).
   */
  watch(system: ActorSystem): () => void {
    const onExit = (event: ActorExitEvent): void => this.actorExited(event);
    const onRestart = (event: ActorRestartEvent): void => this.actorBack(event.id, event.worker, event.supervised, event.restarts, event.downMs);
    const onGaveUp = (event: ActorGaveUpEvent): void => {
      this.counts.actorGaveUps++;
      this.emit('actorGaveUp', { id: event.id, role: this.roleOf(event.id), worker: event.worker, reason: event.reason, restarts: event.restarts });
    };
    system.on('actorExit', onExit);
    system.on('actorRestart', onRestart);
    system.on('actorGaveUp', onGaveUp);
    return () => {
      system.off('actorExit', onExit);
      system.off('actorRestart', onRestart);
      system.off('actorGaveUp', onGaveUp);
    };
  }

  private actorExited(event: ActorExitEvent): void {
    if (this.downSince.has(event.id)) return;
    this.downSince.set(event.id, performance.now());
    this.workers.set(event.id, event.worker);
    this.counts.actorExits++;
    const role = this.roleOf(event.id);
    this.emit('actorExit', { id: event.id, role, worker: event.worker, reason: event.reason });
    if (role === 'acceptor') this.acceptorChanged(() => this.acceptorsAlive.delete(event.id));
  }

  /**
   * Actor `id` runs again. Told by the supervisor's event and by the cluster's restart() alike:
   * whichever comes first reports it, the other finds it up already.
   */
  actorBack(id: ActorId, worker: string | undefined, supervised: boolean, restarts?: number, downMs?: number): void {
    const since = this.downSince.get(id);
    if (since === undefined) return;
    this.downSince.delete(id);
    const count = Math.max(restarts ?? 0, this.restartsOf(id) + 1);
    this.restarts.set(id, count);
    this.counts.actorRestarts++;
    const role = this.roleOf(id);
    this.emit('actorRestart', {
      id,
      role,
      worker: worker ?? this.workers.get(id) ?? `actor-${id}`,
      restarts: count,
      downMs: downMs ?? performance.now() - since,
      supervised,
    });
    if (role === 'acceptor') this.acceptorChanged(() => this.acceptorsAlive.add(id));
  }

  /** Applies a change to the live acceptors; crossing the majority either way is an event. */
  private acceptorChanged(change: () => void): void {
    const before = this.quorum.ok;
    change();
    const { ok, ...quorum } = this.quorum;
    if (before && !ok) {
      this.counts.quorumLosses++;
      this.emit('quorumLost', quorum);
    } else if (!before && ok) this.emit('quorumRegained', quorum);
  }
}
