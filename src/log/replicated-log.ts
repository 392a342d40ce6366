import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { ActorSystem, Endpoint, killHoldsDown, type ActorId, type KillOptions } from '../actors/index.js';
import { createSharedStoreMemory } from '../storage/index.js';
import type { AcceptorActorConfig, ClusterLayout, LearnerActorConfig, ProposerActorConfig, StoreConfig } from './actors/layout.js';
import { LogClient, createClosedFlag, isMarkedClosed, markClosed, type ClientOptions, type LogEntry } from './client.js';
import { checkDirLayout } from './dir-layout.js';
import { EndpointBroker, newBrokerName, releaseEndpoint, requestEndpoint } from './endpoint-broker.js';
import { lockStorageDir, nextIncarnation } from './dir-lock.js';
import { LogClosedError } from './errors.js';
import { logLimits, type LogLimits } from './limits.js';
import { createFirstIndexes } from './first-indexes.js';
import { emitLogEvent, type LogEventMap, type LogEventSink, type LogRole } from './log-events.js';
import type { LogMetrics } from './log-metrics.js';
import { LogMonitor } from './log-monitor.js';
import { buildStatus, readBounds, type LogBounds, type LogStatus, type SharedBounds, type StorageConfigStatus } from './log-status.js';
import { createDeliveredCounts } from './read-barrier.js';
import { resolveLogOptions, type LogOptions, type ResolvedLogOptions } from './options.js';
import { LogMessageType, type CampaignMessage } from './wire.js';

const ACTOR_MODULES = {
  proposer: new URL('./actors/proposer-actor.js', import.meta.url),
  acceptor: new URL('./actors/acceptor-actor.js', import.meta.url),
  learner: new URL('./actors/learner-actor.js', import.meta.url),
};

export type { LogRole } from './log-events.js';

export interface ClusterActor {
  id: ActorId;
  role: LogRole;
  threadId: number;
  alive: boolean;
  /** A proposer that currently believes it leads. */
  leader: boolean;
  /** Times it was brought back (by the supervisor or restart()). */
  restarts: number;
}

/**
 * Structured-cloneable: post it to other threads (or hand it to every worker of a pool) and
 * `ReplicatedLog.connect(handle)` there. One handle serves any number of threads and connects:
 * each connect gets an endpoint of its own from the log's owner (see endpoint-broker.ts).
 */
export interface LogHandle {
  readonly kind: 'synod.replicated-log';
  /** The owner's BroadcastChannel, where a connecting thread asks for its endpoint. */
  readonly broker: string;
  readonly layout: ClusterLayout;
  readonly client: ClientOptions;
  /** Set by the owner's close(): every connected thread settles its work with LogClosedError. */
  readonly closed: SharedArrayBuffer;
  /** The learners' delivered counts and first indexes: bounds() on any thread. */
  readonly deliveredCounts: SharedArrayBuffer;
  readonly firstIndexes: SharedArrayBuffer;
}

/** What only the thread that opened the log has. */
interface OwnerParts {
  readonly system: ActorSystem;
  readonly unlock: (() => void) | undefined;
  readonly broker: EndpointBroker;
  /** Asks a live standby to campaign in place of proposer `id`, which is going away. */
  readonly replaceProposer: (id: ActorId) => void;
  readonly storage: StorageConfigStatus;
  /** Stops following the runtime's actor events. */
  readonly unwatch: () => void;
}

/** A log on one thread: its client, what it shares with the others, and (where opened) the owner's parts. */
interface LogParts {
  readonly client: LogClient;
  readonly layout: ClusterLayout;
  readonly clientOptions: ClientOptions;
  readonly closedFlag: SharedArrayBuffer;
  readonly shared: SharedBounds;
  readonly monitor: LogMonitor;
  /** Hands the monitor's events to the log, once it exists. */
  readonly attach: (log: ReplicatedLog) => void;
  readonly owner: OwnerParts | undefined;
}

/** A monitor whose events go to the log once attach() has been called (a NewLeader may come first). */
function monitorFor(layout: ClusterLayout): { monitor: LogMonitor; attach: (log: ReplicatedLog) => void } {
  let log: ReplicatedLog | undefined;
  const sink: LogEventSink = (name, event) => {
    if (log !== undefined) emitLogEvent(log, log.eventSource, name, event);
  };
  return { monitor: new LogMonitor(layout, sink), attach: (attached) => (log = attached) };
}

export interface ReadOptions {
  /** First index to read (default 0). */
  from?: number;
  /** Keep waiting for new entries until the log closes or the loop breaks (default false). */
  follow?: boolean;
  /** Aborting ends the read: the loop throws an AbortError. */
  signal?: AbortSignal;
}

export interface AppendOptions {
  /**
   * Aborting rejects the append with an AbortError. Like a timeout, an append aborted after it was
   * sent may still commit (`error.mayHaveCommitted`); one still waiting to be sent never will.
   */
  signal?: AbortSignal;
}

/** Inspect and break the cluster: the fault-injection surface for tests, demos and benchmarks. */
export class Cluster {
  constructor(
    private readonly system: ActorSystem,
    private readonly layout: ClusterLayout,
    /** Asks a live standby to campaign in place of proposer `id`, which is going away. */
    private readonly replaceProposer: (id: ActorId) => void,
  ) {}

  async actors(): Promise<ClusterActor[]> {
    const roleOf = (id: ActorId): LogRole =>
      this.layout.proposers.includes(id) ? 'proposer' : this.layout.acceptors.includes(id) ? 'acceptor' : 'learner';
    return Promise.all(
      this.system.actors().map(async (info) => {
        const role = roleOf(info.id);
        let leader = false;
        if (role === 'proposer' && info.alive) leader = (await this.system.counters(info.id).catch(() => ({ leader: 0 }))).leader === 1;
        return { id: info.id, role, threadId: info.threadId, alive: info.alive, leader, restarts: info.restarts };
      }),
    );
  }

  /**
   * Terminates the actor's worker abruptly, as a crash would; the supervisor then restarts it as
   * after a crash (unless supervision is off), or, with `restart: false`, leaves it down until
   * restart(id). Killing a proposer, the runtime knows it is going before its thread has stopped
   * (which takes milliseconds): a standby is asked to campaign at once, as the exit event would
   * ask it for a death nobody requested.
   */
  kill(id: ActorId, options?: KillOptions): Promise<void> {
    try {
      killHoldsDown(options); // bad options: rejected before anything happens
    } catch (error) {
      return Promise.reject(error);
    }
    const killing = this.system.kill(id, options);
    if (this.layout.proposers.includes(id)) this.replaceProposer(id);
    return killing;
  }

  /**
   * Brings a dead actor back now (one waiting for its supervised restart, one the supervisor gave
   * up on, one killed with `restart: false`); acceptors and learners recover what they had persisted.
   */
  restart(id: ActorId): Promise<void> {
    // The runtime reports it ('actorRestart', supervised: false), as it does the supervisor's.
    return this.system.restart(id);
  }

  counters(id: ActorId): Promise<Record<string, number>> {
    return this.system.counters(id);
  }

  /** A full GC on every actor's thread (for memory measurements). */
  collectGarbage(): Promise<void> {
    return this.system.collectGarbage();
  }
}

/**
 * An in-process replicated log: append from any thread, read in order, survive the crash of any
 * minority of acceptors (and of the leader), and with `storage.dir`, the crash of the process.
 */
export class ReplicatedLog extends EventEmitter<LogEventMap> {
  private closed = false;
  /** Through a handle: tells the owner this thread's endpoint can be unwired. */
  private release: (() => void) | undefined;
  private readonly client: LogClient;
  private readonly layout: ClusterLayout;
  private readonly clientOptions: ClientOptions;
  private readonly closedFlag: SharedArrayBuffer;
  private readonly shared: SharedBounds;
  private readonly monitor: LogMonitor;
  private readonly owner: OwnerParts | undefined;
  /** What diagnostics_channel messages name as their `log`: this log, or the Sequencer around it. */
  eventSource: object = this;

  private constructor(parts: LogParts) {
    super();
    this.client = parts.client;
    this.layout = parts.layout;
    this.clientOptions = parts.clientOptions;
    this.closedFlag = parts.closedFlag;
    this.shared = parts.shared;
    this.monitor = parts.monitor;
    this.owner = parts.owner;
    parts.attach(this);
  }

  /** Starts a log: every proposer, acceptor and learner on a worker thread of its own. */
  static open(options: LogOptions = {}): Promise<ReplicatedLog> {
    return ReplicatedLog.start(options, true);
  }

  /** As open(); `retainEntries: false` is the sequencer's log, which keeps numbering but no entries. */
  static async start(options: LogOptions, retainEntries: boolean): Promise<ReplicatedLog> {
    const resolved = resolveLogOptions(options);
    const unlock = resolved.storage ? lockStorageDir(resolved.storage.dir) : undefined;
    let incarnation = 0;
    if (resolved.storage) {
      try {
        checkDirLayout(resolved.storage.dir, {
          kind: retainEntries ? 'log' : 'sequencer',
          proposers: resolved.proposers,
          acceptors: resolved.acceptors,
          learners: resolved.learners,
        }, { entryBytesMax: resolved.entryBytesMax, ringBytes: resolved.ringBytes, entryBytesBound: logLimits(resolved.ringBytes).entryBytesBound });
        // Counted before any actor starts, so that a directory opened as often as client ids allow is refused at once.
        incarnation = nextIncarnation(resolved.storage.dir);
      } catch (error) {
        unlock?.();
        throw error;
      }
    }
    const system = new ActorSystem({ ringBytes: resolved.ringBytes, supervision: resolved.supervision });
    let unwatch = (): void => undefined;
    try {
      const layout = planLayout(resolved);
      const limits = logLimits(resolved.ringBytes);
      const shared: SharedBounds = { deliveredCounts: createDeliveredCounts(layout.learners.length), firstIndexes: createFirstIndexes(layout.learners.length) };
      const { monitor, attach } = monitorFor(layout);
      // Before the first spawn: an actor that dies while the others start is counted.
      unwatch = monitor.watch(system);
      const store = (role: string, id: ActorId): StoreConfig =>
        resolved.storage
          ? { kind: 'file', path: join(resolved.storage.dir, `${role}-${id}.log`), fsync: resolved.storage.fsync }
          : { kind: 'shared', memory: createSharedStoreMemory(resolved.memoryBytesMax) };
      const proposerConfig: Omit<ProposerActorConfig, 'layout'> = {
        heartbeatIntervalMs: resolved.heartbeatIntervalMs,
        electionTimeoutMs: resolved.electionTimeoutMs,
        windowSlotsMax: resolved.windowSlotsMax,
        batchCommandsMax: resolved.batchCommandsMax,
        batchBytesMax: limits.slotValueBytesMax,
        pendingCommandsMax: 65_536,
      };
      // Spawned together: each worker takes tens of milliseconds to start, and links between
      // actors that start at the same time are wired by whichever is placed second.
      await Promise.all([
        ...layout.acceptors.map((id) => {
          const config: AcceptorActorConfig = { layout, limits, store: store('acceptor', id) };
          return system.spawn({ id, role: 'acceptor', module: ACTOR_MODULES.acceptor, config });
        }),
        ...layout.learners.map((id) => {
          const config: LearnerActorConfig = { layout, limits, store: store('learner', id), retainEntries, ...shared };
          return system.spawn({ id, role: 'learner', module: ACTOR_MODULES.learner, config });
        }),
        ...layout.proposers.map((id) => {
          const config: ProposerActorConfig = { layout, ...proposerConfig };
          return system.spawn({ id, role: 'proposer', module: ACTOR_MODULES.proposer, config });
        }),
      ]);
      const clientOptions = clientOptionsOf(resolved, limits, incarnation);
      const endpoint = system.endpoint('client');
      const closedFlag = createClosedFlag();
      const client = new LogClient(endpoint, layout, clientOptions, closedFlag, monitor);
      // Failure detection for free: when a proposer's worker dies, the runtime knows at once, so
      // the lowest standby campaigns now instead of waiting out its election timeout.
      const replaceProposer = (id: ActorId): void => {
        const alive = new Set(system.actors().filter((actor) => actor.alive).map((actor) => actor.id));
        const standby = layout.proposers.find((proposer) => proposer !== id && alive.has(proposer));
        if (standby !== undefined) endpoint.send(standby, { type: LogMessageType.Campaign, from: endpoint.id } satisfies CampaignMessage);
      };
      system.on('actorExit', ({ id }) => {
        if (layout.proposers.includes(id)) replaceProposer(id);
      });
      // A new log needs a leader before anything commits: rather than wait out an election timeout,
      // the first proposer campaigns now, and open() returns once one leads (or, if none does soon,
      // anyway: appends then wait for one), so the first appends meet a leader.
      endpoint.send(layout.proposers[0]!, { type: LogMessageType.Campaign, from: endpoint.id } satisfies CampaignMessage);
      const leader = await awaitLeader(system, layout, resolved.electionTimeoutMs * 10);
      // The leader's NewLeader may have gone out before this client was linked to it: what the
      // counters say is the leader known when open() returns (the log has no listeners yet).
      if (leader !== undefined) monitor.leaderAnnounced(leader);
      const broker = new EndpointBroker(
        newBrokerName(),
        () => system.endpointHandle('client', { actorsOnly: true }),
        (id) => void system.releaseEndpoint(id),
      );
      const storage: StorageConfigStatus = resolved.storage
        ? { kind: 'file', dir: resolved.storage.dir, fsync: resolved.storage.fsync }
        : { kind: 'memory', memoryBytesMax: resolved.memoryBytesMax };
      const owner: OwnerParts = { system, unlock, broker, replaceProposer, storage, unwatch };
      return new ReplicatedLog({ client, layout, clientOptions, closedFlag, shared, monitor, attach, owner });
    } catch (error) {
      unwatch();
      await system.close();
      unlock?.();
      throw error;
    }
  }

  /** The log from a handle made by `log.handle()` on another thread. */
  static async connect(handle: LogHandle): Promise<ReplicatedLog> {
    if (handle === null || typeof handle !== 'object' || handle.kind !== 'synod.replicated-log') {
      throw new TypeError('connect takes a handle made by ReplicatedLog#handle() or Sequencer#handle()');
    }
    const shared = [handle.closed, handle.deliveredCounts, handle.firstIndexes];
    if (!shared.every((memory) => memory instanceof SharedArrayBuffer)) throw new TypeError('connect takes a handle made by ReplicatedLog#handle() or Sequencer#handle()');
    if (isMarkedClosed(handle.closed)) throw new LogClosedError();
    const endpoint = Endpoint.connect(await requestEndpoint(handle.broker));
    const { monitor, attach } = monitorFor(handle.layout);
    const client = new LogClient(endpoint, handle.layout, handle.client, handle.closed, monitor);
    const log = new ReplicatedLog({
      client,
      layout: handle.layout,
      clientOptions: handle.client,
      closedFlag: handle.closed,
      shared: { deliveredCounts: handle.deliveredCounts, firstIndexes: handle.firstIndexes },
      monitor,
      attach,
      owner: undefined,
    });
    log.release = () => releaseEndpoint(handle.broker, endpoint.id);
    return log;
  }

  /** Appends one entry; resolves to its index (0-based, dense) once it is chosen and durable. */
  append(data: Uint8Array, options: AppendOptions = {}): Promise<number> {
    if (this.closed) return Promise.reject(new LogClosedError());
    if (typeof options !== 'object' || options === null) return Promise.reject(new TypeError(`append options must be an object, got ${String(options)}`));
    return this.client.append(data, options.signal);
  }

  /** Reserves `count` consecutive indexes with one command (empty entries); resolves to the first. For the sequencer. */
  reserve(count: number): Promise<number> {
    if (this.closed) return Promise.reject(new LogClosedError());
    return this.client.reserve(count);
  }

  /**
   * Releases every entry below `beforeIndex` at every learner, in memory and on disk (each learner
   * as far as it has delivered); resolves to the index the log now starts at. Reading below it is
   * a LogTrimmedError. A TypeError or RangeError for a bad index, TrimTimeoutError if a learner
   * did not confirm within appendTimeoutMs.
   */
  trim(beforeIndex: number): Promise<number> {
    if (this.closed) return Promise.reject(new LogClosedError());
    if (typeof beforeIndex !== 'number' || !Number.isInteger(beforeIndex)) {
      return Promise.reject(new TypeError(`trim takes an integer index, got ${String(beforeIndex)}`));
    }
    if (beforeIndex < 0 || beforeIndex > Number.MAX_SAFE_INTEGER) {
      return Promise.reject(new RangeError(`trim index must be from 0 to ${Number.MAX_SAFE_INTEGER}, got ${beforeIndex}`));
    }
    return this.client.trim(beforeIndex);
  }

  /** Committed entries in index order from `from`; with `follow`, keeps waiting for new ones. */
  read(options: ReadOptions = {}): AsyncIterable<LogEntry> {
    const { from = 0, follow = false, signal } = options;
    if (typeof from !== 'number' || !Number.isInteger(from) || from < 0) {
      throw new RangeError(`read from must be a non-negative integer, got ${String(from)}`);
    }
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError(`read signal must be an AbortSignal, got ${String(signal)}`);
    if (this.closed) throw new LogClosedError();
    // An iterable, not an iterator: each `for await` over it is a read of its own from `from`.
    const client = this.client;
    return { [Symbol.asyncIterator]: () => client.read(from, follow === true, signal) };
  }

  /** A handle for other threads: any number of them may connect with it, each getting an endpoint of its own. */
  handle(): LogHandle {
    if (this.closed) throw new LogClosedError();
    if (this.owner === undefined) throw new TypeError('handles are made where the log was opened');
    return {
      kind: 'synod.replicated-log',
      broker: this.owner.broker.name,
      layout: this.layout,
      client: this.clientOptions,
      closed: this.closedFlag,
      deliveredCounts: this.shared.deliveredCounts,
      firstIndexes: this.shared.firstIndexes,
    };
  }

  /** Fault injection and inspection; only where the log was opened. */
  get cluster(): Cluster {
    if (this.owner === undefined) throw new TypeError('the cluster is controlled where the log was opened, not through a handle');
    return new Cluster(this.owner.system, this.layout, this.owner.replaceProposer);
  }

  /**
   * Where the log starts and ends now, [firstIndex, nextIndex): read from memory the learners
   * share, on any thread (through a handle too), without a message. LogClosedError after close().
   */
  bounds(): LogBounds {
    if (this.closed) throw new LogClosedError();
    return readBounds(this.shared);
  }

  /**
   * How the log is: leader, bounds, each learner's progress, each actor, the acceptors' quorum and
   * the storage (see LogStatus). Only where the log was opened (a TypeError through a handle:
   * use bounds() and metrics() there); LogClosedError after close().
   */
  async status(): Promise<LogStatus> {
    if (this.closed) throw new LogClosedError();
    const owner = this.owner;
    if (owner === undefined) throw new TypeError('status() is read where the log was opened; through a handle, use bounds() and metrics()');
    return buildStatus({
      layout: this.layout,
      shared: this.shared,
      storage: owner.storage,
      monitor: this.monitor,
      actors: () => owner.system.actors(),
      askLeader: () => leaderByCounters(owner.system, this.layout),
    });
  }

  /**
   * Counters and gauges for a metrics library (see LogMetrics): this thread's appends by outcome,
   * leader changes and storage failures seen, the shared bounds; where the log was opened, its
   * actors and quorum too. Synchronous and cheap. LogClosedError after close().
   */
  metrics(): LogMetrics {
    if (this.closed) throw new LogClosedError();
    const appends = this.client.counters;
    const bounds = readBounds(this.shared);
    const counts = this.monitor.counts;
    const metrics: LogMetrics = {
      appendsAcknowledgedTotal: appends.appendsAcknowledged,
      appendBytesAcknowledgedTotal: appends.appendBytesAcknowledged,
      appendsFailedTimeoutTotal: appends.appendsFailedTimeout,
      appendsFailedStorageFullTotal: appends.appendsFailedStorageFull,
      appendsFailedStorageErrorTotal: appends.appendsFailedStorageError,
      appendsFailedAbortedTotal: appends.appendsFailedAborted,
      appendsFailedClosedTotal: appends.appendsFailedClosed,
      appendsFailedOtherTotal: appends.appendsFailedOther,
      appendsRefusedTotal: appends.appendsRefused,
      reservationsAcknowledgedTotal: appends.reservationsAcknowledged,
      indexesReservedTotal: appends.indexesReserved,
      leaderChangesTotal: counts.leaderChanges,
      storageFailuresTotal: counts.storageFailures,
      appendsInflight: this.client.appendsInflight,
      deliveredIndex: bounds.nextIndex,
      firstIndex: bounds.firstIndex,
      leaderId: this.monitor.leader ?? -1,
      storageFailing: this.monitor.storage === undefined ? 0 : 1,
    };
    if (this.owner !== undefined) {
      const quorum = this.monitor.quorum;
      metrics.actorExitsTotal = counts.actorExits;
      metrics.actorRestartsTotal = counts.actorRestarts;
      metrics.actorGaveUpsTotal = counts.actorGaveUps;
      metrics.quorumLossesTotal = counts.quorumLosses;
      metrics.actorsAlive = this.owner.system.actors().filter((actor) => actor.alive).length;
      metrics.acceptorsAlive = quorum.acceptorsAlive;
      metrics.quorumOk = quorum.ok ? 1 : 0;
    }
    return metrics;
  }

  /** `await using log = await ReplicatedLog.open()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Stops every worker (where opened) or disconnects (through a handle). Pending appends reject with LogClosedError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const owner = this.owner;
    // The owner's close reaches every thread: their clients see the flag and settle at once.
    if (owner !== undefined) markClosed(this.closedFlag);
    // No events after close: the actors' exits at shutdown are not failures.
    owner?.unwatch();
    owner?.broker.close();
    this.client.close();
    this.release?.();
    await owner?.system.close();
    owner?.unlock?.();
  }
}

/** The proposer whose counters (updated every tick) say it leads, if any: when no live leader was announced. */
async function leaderByCounters(system: ActorSystem, layout: ClusterLayout): Promise<ActorId | undefined> {
  const alive = new Set(system.actors().filter((actor) => actor.alive).map((actor) => actor.id));
  for (const id of layout.proposers) {
    if (!alive.has(id)) continue;
    const counters = await system.counters(id).catch(() => undefined);
    if (counters?.leader === 1) return id;
  }
  return undefined;
}

/** Polls the proposers' counters (updated every tick) until one leads, for at most `timeoutMs`; that one, or undefined. */
async function awaitLeader(system: ActorSystem, layout: ClusterLayout, timeoutMs: number): Promise<ActorId | undefined> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    for (const id of layout.proposers) {
      const counters = await system.counters(id).catch(() => undefined);
      if (counters?.leader === 1) return id;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return undefined;
}

function planLayout(options: ResolvedLogOptions): ClusterLayout {
  const range = (start: number, count: number) => Array.from({ length: count }, (_, i) => start + i);
  return {
    proposers: range(0, options.proposers),
    acceptors: range(options.proposers, options.acceptors),
    learners: range(options.proposers + options.acceptors, options.learners),
  };
}

function clientOptionsOf(options: ResolvedLogOptions, limits: LogLimits, incarnation: number): ClientOptions {
  return {
    requestBatchBytesMax: limits.requestBatchBytesMax,
    incarnation,
    entryBytesMax: options.entryBytesMax,
    inflightAppendsMax: options.inflightAppendsMax,
    appendTimeoutMs: options.appendTimeoutMs,
    // Long enough for a live leader under load, short enough to find a new one soon after a kill.
    resendAfterMs: Math.max(20, options.electionTimeoutMs),
  };
}
