import { performance } from 'node:perf_hooks';
import { PROPOSER_DEFAULTS } from '../paxos/index.js';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { ActorSystem, Endpoint, killHoldsDown, type ActorId, type KillOptions } from '../actors/index.js';
import { createSharedStoreMemory } from '../storage/index.js';
import type { AcceptorActorConfig, LearnerActorConfig, ProposerActorConfig, StoreConfig } from './actors/role-configs.js';
import type { ClusterLayout } from '../protocol/cluster-layout.js';
import { LogClient, createClosedFlag, isMarkedClosed, markClosed, type ClientOptions, type LogEntry } from './client.js';
import { checkDirLayout } from './dir-layout.js';
import { EndpointBroker, newBrokerName, releaseEndpoint, requestEndpoint, type EndpointGrant } from './endpoint-broker.js';
import { EndpointReaper } from './endpoint-reaper.js';
import { RUNTIME_TIMINGS } from '../protocol/timings.js';
import { ConnectionGenerations } from './connection-generations.js';
import { EndpointRevokedError, LeaseHolder, createLease } from './connection-lease.js';
import { lockStorageDir } from './dir-lock.js';
import { LogClosedError } from '../protocol/errors.js';
import { leaderValueBytesMax, logLimits, type LogLimits } from '../protocol/limits.js';
import { createFirstIndexes } from '../protocol/first-indexes.js';
import { emitLogEvent, type LogEventMap, type LogEventSink, type LogRole } from './log-events.js';
import { AppendCounters, type LogMetrics } from './log-metrics.js';
import { LogMonitor } from './log-monitor.js';
import { buildStatus, readBounds, type LogBounds, type LogStatus, type SharedBounds, type StorageConfigStatus } from './log-status.js';
import { createDeliveredCounts } from '../protocol/read-barrier.js';
import { resolveLogOptions, type LogOptions, type ResolvedLogOptions } from './options.js';
import { LogMessageType, type CampaignMessage } from '../protocol/wire.js';

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
  readonly reaper: EndpointReaper;
  /** Asks a live standby to campaign in place of proposer `id`, which is going away. */
  readonly replaceProposer: (id: ActorId) => void;
  readonly storage: StorageConfigStatus;
  /** Stops following the runtime's actor events. */
  readonly unwatch: () => void;
}

/** A log through a handle: the endpoint held now, and the reconnect under way if any. */
interface Connection {
  readonly handle: LogHandle;
  held: { id: number; generation: number } | undefined;
  reconnecting: Promise<void> | undefined;
}

/** A log on one thread: its client, what it shares with the others, and the owner's parts or its connection. */
interface LogParts {
  /** Undefined through a handle until attach() got an endpoint. */
  readonly client: LogClient | undefined;
  readonly counters: AppendCounters;
  readonly layout: ClusterLayout;
  readonly clientOptions: ClientOptions;
  readonly closedFlag: SharedArrayBuffer;
  readonly shared: SharedBounds;
  readonly monitor: LogMonitor;
  /** Hands the monitor's events to the log, once it exists. */
  readonly attach: (log: ReplicatedLog) => void;
  readonly owner: OwnerParts | undefined;
  readonly connection?: Connection;
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
  /**
   * Keep waiting for new entries (default false): the loop never ends by itself. It ends when the
   * body breaks or returns, on `signal` (AbortError), or when the log closes: then it rejects with
   * LogClosedError, whether close() was called on this thread or by the log's owner on another.
   */
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

/** append()'s options when none are given: one object for every call (a default `{}` is an allocation per append). */
const NO_APPEND_OPTIONS: AppendOptions = Object.freeze({});

/** Inspect and break the cluster: the fault-injection surface for tests, demos and benchmarks. */
export class Cluster {
  /** @internal The log builds its cluster. */
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

  /** @internal An actor's own counters, for tests and measurements. */
  counters(id: ActorId): Promise<Record<string, number>> {
    return this.system.counters(id);
  }

  /** @internal A full GC on every actor's thread (for memory measurements). */
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
  /**
   * The client, and where opened, the owner's parts (the actor system): dropped at close(), so that
   * a closed log's rings, doorbells and client state can be collected even while the caller keeps
   * this object. Through a handle, a new client replaces the last after a reconnect.
   */
  private client: LogClient | undefined;
  private owner: OwnerParts | undefined;
  /** Through a handle: the endpoint this thread holds now, and how to get another. */
  private readonly connection: Connection | undefined;
  /** This thread's appends by outcome (metrics()), across reconnects. */
  private readonly counters: AppendCounters;
  private readonly layout: ClusterLayout;
  private readonly clientOptions: ClientOptions;
  private readonly closedFlag: SharedArrayBuffer;
  private readonly shared: SharedBounds;
  private readonly monitor: LogMonitor;
  /** @internal What diagnostics_channel messages name as their `log`: this log, or the Sequencer around it. */
  eventSource: object = this;

  private constructor(parts: LogParts) {
    super();
    this.client = parts.client;
    this.counters = parts.counters;
    this.connection = parts.connection;
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

  /** @internal As open(); `retainEntries: false` is the sequencer's log, which keeps numbering but no entries. */
  static async start(options: LogOptions, retainEntries: boolean): Promise<ReplicatedLog> {
    const resolved = resolveLogOptions(options);
    const unlock = resolved.storage ? lockStorageDir(resolved.storage.dir) : undefined;
    let generations: ConnectionGenerations;
    let ownGeneration: number;
    try {
      if (resolved.storage) {
        checkDirLayout(resolved.storage.dir, {
          kind: retainEntries ? 'log' : 'sequencer',
          proposers: resolved.proposers,
          acceptors: resolved.acceptors,
          learners: resolved.learners,
        }, { entryBytesMax: resolved.entryBytesMax, ringBytes: resolved.ringBytes, entryBytesBound: logLimits(resolved.ringBytes).entryBytesBound });
      }
      // One generation per connection (wire.ts clientIdOf), this client's first: taken before any
      // actor starts, so a directory whose generations are spent is refused at once.
      generations = new ConnectionGenerations(resolved.storage?.dir);
      ownGeneration = generations.take();
    } catch (error) {
      unlock?.();
      throw error;
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
      const leaderValueBytes = leaderValueBytesMax(resolved.ringBytes, resolved.entryBytesMax);
      const proposerConfig: Omit<ProposerActorConfig, 'layout'> = {
        heartbeatIntervalMs: resolved.heartbeatIntervalMs,
        electionTimeoutMs: resolved.electionTimeoutMs,
        windowSlotsMax: resolved.windowSlotsMax,
        windowBytesMax: leaderValueBytes,
        batchCommandsMax: resolved.batchCommandsMax,
        batchBytesMax: limits.slotValueBytesMax,
        pendingCommandsMax: PROPOSER_DEFAULTS.pendingCommandsMax,
        queuedCommandBytesMax: leaderValueBytes,
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
      const clientOptions = clientOptionsOf(resolved, limits, ownGeneration);
      const endpoint = system.endpoint('client');
      const closedFlag = createClosedFlag();
      const counters = new AppendCounters();
      const client = new LogClient(endpoint, layout, clientOptions, closedFlag, monitor, undefined, counters);
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
      if (leader !== undefined) monitor.leaderAnnounced(leader.id, leader.ballot);
      // A reopened directory's learners may lack acknowledged entries their files had not synced
      // when the machine crashed (learner-node.ts); the acceptors hold them, and the leader
      // proposes them again: reads after open() must find them, so open() waits for that too.
      if (leader !== undefined) await awaitLearnersRecovered(system, layout, leader.id, resolved.electionTimeoutMs * 10);
      // Endpoints of threads that went away without close() are found and released (their ids
      // reused): see connection-lease.ts for how, and why that never touches work in flight.
      const reaper = new EndpointReaper((id) => void system.releaseEndpoint(id), clientOptions.appendTimeoutMs + RUNTIME_TIMINGS.endpointProbeIntervalMs);
      const grant = (): EndpointGrant => {
        const generation = generations.take();
        const endpoint = system.endpointHandle('client', { actorsOnly: true });
        const lease = createLease();
        reaper.add(endpoint.id, generation, lease);
        return { endpoint, generation, lease };
      };
      const broker = new EndpointBroker(newBrokerName(), grant, (id, generation) => reaper.released(id, generation));
      const storage: StorageConfigStatus = resolved.storage
        ? { kind: 'file', dir: resolved.storage.dir, fsync: resolved.storage.fsync }
        : { kind: 'memory', memoryBytesMax: resolved.memoryBytesMax };
      const owner: OwnerParts = { system, unlock, broker, reaper, replaceProposer, storage, unwatch };
      return new ReplicatedLog({ client, counters, layout, clientOptions, closedFlag, shared, monitor, attach, owner });
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
    const { monitor, attach } = monitorFor(handle.layout);
    const log = new ReplicatedLog({
      client: undefined,
      counters: new AppendCounters(),
      layout: handle.layout,
      clientOptions: handle.client,
      closedFlag: handle.closed,
      shared: { deliveredCounts: handle.deliveredCounts, firstIndexes: handle.firstIndexes },
      monitor,
      attach,
      owner: undefined,
      connection: { handle, held: undefined, reconnecting: undefined },
    });
    await log.attach();
    return log;
  }

  /**
   * Through a handle: gets an endpoint from the owner and a client on it. Again after the owner
   * reclaimed the last one (this thread looked gone: connection-lease.ts); nothing was in flight
   * on it then, or it had all timed out.
   */
  private async attach(): Promise<void> {
    const connection = this.connection!;
    const { handle } = connection;
    for (;;) {
      if (isMarkedClosed(handle.closed)) throw new LogClosedError();
      const grant = await requestEndpoint(handle.broker);
      const lease = new LeaseHolder(grant.lease);
      // Unclaimed for long (this thread was blocked), the owner may have taken it back: ask again.
      if (!lease.claim()) continue;
      const endpoint = Endpoint.connect(grant.endpoint);
      const client = new LogClient(endpoint, handle.layout, { ...handle.client, generation: grant.generation }, handle.closed, this.monitor, lease, this.counters);
      connection.held = { id: grant.endpoint.id, generation: grant.generation };
      if (this.closed) {
        // Closed while this connect was under way: give the endpoint straight back.
        client.close();
        releaseEndpoint(handle.broker, grant.endpoint.id, grant.generation);
        throw new LogClosedError();
      }
      this.client = client;
      return;
    }
  }

  /** One reconnect at a time, shared by every call that found the endpoint reclaimed. */
  private reconnected(): Promise<void> {
    const connection = this.connection!;
    connection.reconnecting ??= this.attach().finally(() => {
      connection.reconnecting = undefined;
    });
    return connection.reconnecting;
  }

  /**
   * Runs `call` on the client; through a handle, if the owner had reclaimed the endpoint before
   * the call sent anything (EndpointRevokedError), reconnects and runs it again.
   */
  private async withReconnect<T>(call: (client: LogClient) => Promise<T>): Promise<T> {
    for (;;) {
      if (this.closed) throw new LogClosedError();
      try {
        return await call(this.client!);
      } catch (error) {
        if (!(error instanceof EndpointRevokedError) || this.connection === undefined) throw error;
      }
      await this.reconnected();
    }
  }

  /** Appends one entry; resolves to its index (0-based, dense) once it is chosen and durable. */
  append(data: Uint8Array, options: AppendOptions = NO_APPEND_OPTIONS): Promise<number> {
    if (this.closed) return Promise.reject(new LogClosedError());
    if (typeof options !== 'object' || options === null) return Promise.reject(new TypeError(`append options must be an object, got ${String(options)}`));
    const client = this.client!;
    // The hot path: the endpoint is ours (marked busy now, so it cannot be reclaimed under the append).
    if (client.acquire()) return client.append(data, options.signal);
    // Appended after the reconnect, on a later turn: by then the caller may have written over its
    // buffer (append() takes the bytes at the call). A copy now, as an append waiting for a
    // session takes (a plain Uint8Array even of a Buffer). Anything else is the client's to refuse,
    // an empty view too: a view of a detached buffer reads as empty, and must still be refused.
    const bytes = data instanceof Uint8Array && data.byteLength > 0 ? new Uint8Array(data) : data;
    return this.reconnected().then(() => this.append(bytes, options));
  }

  /** @internal Reserves `count` consecutive indexes with one command (empty entries); resolves to the first. For the sequencer. */
  reserve(count: number): Promise<number> {
    if (this.closed) return Promise.reject(new LogClosedError());
    const client = this.client!;
    if (client.acquire()) return client.reserve(count);
    return this.reconnected().then(() => this.reserve(count));
  }

  /**
   * Releases every entry below `beforeIndex` at every learner, in memory and on disk (each learner
   * as far as it has delivered); resolves to the index the log now starts at, `bounds().firstIndex`:
   * `beforeIndex`, or the old start if that was higher (a trim at or below the start changes
   * nothing), or lower while a learner that is behind has not delivered that far yet (it trims the
   * rest as it catches up). Reading below the start is a LogTrimmedError.
   *
   * `beforeIndex` may be at most `bounds().nextIndex`: only entries that exist are released, never
   * ones not yet appended. Every entry a read or follow has returned is below `bounds().nextIndex`,
   * so a queue consumer may always trim to (last index processed) + 1. Beyond it, the trim is
   * refused with a RangeError naming both numbers, and nothing changes.
   *
   * A TypeError for a non-integer, a RangeError for a negative index or one past the end,
   * TrimTimeoutError if a learner did not confirm within appendTimeoutMs: its `unconfirmed` names
   * those learners (one held down keeps its entries until it is restarted and the trim asked
   * again); the others released the prefix.
   */
  trim(beforeIndex: number): Promise<number> {
    if (this.closed) return Promise.reject(new LogClosedError());
    if (typeof beforeIndex !== 'number' || !Number.isInteger(beforeIndex)) {
      return Promise.reject(new TypeError(`trim takes an integer index, got ${String(beforeIndex)}`));
    }
    if (beforeIndex < 0) return Promise.reject(new RangeError(`trim index must be 0 or more, got ${beforeIndex}`));
    // A learner keeps a trim goal past its end and trims up to it as entries arrive (so that one
    // behind catches up): a goal past the log's end would silently drop entries not yet appended.
    const { nextIndex } = readBounds(this.shared);
    if (beforeIndex > nextIndex) {
      return Promise.reject(new RangeError(`trim index ${beforeIndex} is past the end of the log: at most nextIndex, ${nextIndex} (nothing was trimmed)`));
    }
    return this.withReconnect((client) => client.trim(beforeIndex));
  }

  /**
   * Committed entries in index order from `from`. Without `follow`, the read ends at the end of
   * the log as the first learner to answer it saw it (every append that resolved before read() is
   * in it); with `follow`, it waits for new entries for as long as the loop runs. Every entry
   * handed out is below `bounds().nextIndex`, so `trim(entry.index + 1)` is always accepted.
   *
   * LogTrimmedError (its `firstIndex` says where the log starts now) when `from`, or the next
   * entry a follow needs, was trimmed. Once the log is closed, by close() on this thread or by the
   * owner's close() on any, the loop's next step rejects with LogClosedError, even with entries
   * already received: a read in progress at close() never ends as if it had reached the end.
   * read() on a log closed on this thread throws LogClosedError at once.
   */
  read(options: ReadOptions = {}): AsyncIterable<LogEntry> {
    const { from = 0, follow = false, signal } = options;
    if (typeof from !== 'number' || !Number.isInteger(from) || from < 0) {
      throw new RangeError(`read from must be a non-negative integer, got ${String(from)}`);
    }
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError(`read signal must be an AbortSignal, got ${String(signal)}`);
    if (this.closed) throw new LogClosedError();
    // An iterable, not an iterator: each `for await` over it is a read of its own from `from`.
    if (this.connection === undefined) {
      const client = this.client!;
      return { [Symbol.asyncIterator]: () => client.read(from, follow === true, signal) };
    }
    return { [Symbol.asyncIterator]: () => this.readReconnecting(from, follow === true, signal) };
  }

  /** A read through a handle: if the endpoint was reclaimed before the read began (it throws before its first entry), on a fresh one. */
  private async *readReconnecting(from: number, follow: boolean, signal: AbortSignal | undefined): AsyncGenerator<LogEntry, void, undefined> {
    for (;;) {
      if (this.closed) throw new LogClosedError();
      try {
        yield* this.client!.read(from, follow, signal);
        return;
      } catch (error) {
        if (!(error instanceof EndpointRevokedError)) throw error;
      }
      await this.reconnected();
    }
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
    if (this.connection !== undefined) throw new TypeError('the cluster is controlled where the log was opened, not through a handle');
    if (this.owner === undefined) throw new LogClosedError();
    return new Cluster(this.owner.system, this.layout, this.owner.replaceProposer);
  }

  /**
   * @internal For tests and measurements: endpoints the owner has wired for other threads and the
   * mailbox links it holds (all zero once closed); through a handle, the endpoint id and
   * generation this thread holds now.
   */
  get connectionCounts(): { endpoints: number; granted: number; links: number; held: { id: number; generation: number } | undefined } {
    const system = this.owner?.system;
    return {
      endpoints: system?.endpointCount ?? 0,
      granted: this.owner?.reaper.granted ?? 0,
      links: system?.linkCount ?? 0,
      held: this.connection?.held,
    };
  }

  /**
   * Where the log starts and ends now, [firstIndex, nextIndex): read from memory the learners
   * share, on any thread (through a handle too), without reading entries or sending a message.
   * `firstIndex` is where the log starts after trims (what trim() resolved to); `nextIndex` is one
   * past the last entry delivered: every append that resolved is below it, as is every entry a
   * read has returned. A queue consumer that processed up to index `p` has `nextIndex - p - 1`
   * entries waiting and may trim(p + 1). LogClosedError after close() on this thread.
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
    // (After close() the owner's parts are gone, but then closed is set and this is not reached.)
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
    const appends = this.counters;
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
      appendsResentTotal: appends.appendsResent,
      reservationsAcknowledgedTotal: appends.reservationsAcknowledged,
      indexesReservedTotal: appends.indexesReserved,
      leaderChangesTotal: counts.leaderChanges,
      storageFailuresTotal: counts.storageFailures,
      appendsInflight: this.client?.appendsInflight ?? 0,
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
    const { client, owner, connection } = this;
    // Dropped now: the buffers they hold go with them even while the caller keeps this object.
    this.client = undefined;
    this.owner = undefined;
    // The owner's close reaches every thread: their clients see the flag and settle at once.
    if (owner !== undefined) markClosed(this.closedFlag);
    // No events after close: the actors' exits at shutdown are not failures.
    owner?.unwatch();
    owner?.broker.close();
    owner?.reaper.close();
    client?.close();
    if (connection?.held !== undefined && client !== undefined) releaseEndpoint(connection.handle.broker, connection.held.id, connection.held.generation);
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
async function awaitLeader(system: ActorSystem, layout: ClusterLayout, timeoutMs: number): Promise<{ id: ActorId; ballot: number | undefined } | undefined> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    for (const id of layout.proposers) {
      const counters = await system.counters(id).catch(() => undefined);
      if (counters?.leader === 1) return { id, ballot: counters.ballot };
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return undefined;
}

/**
 * Until every learner has delivered every slot the leader found accepted when it took over (its
 * recoveryEnd), or `timeoutMs` passed (open() then returns anyway, as awaitLeader lets it: reads
 * may miss those entries until the learners have them). Immediate for a new log.
 */
async function awaitLearnersRecovered(system: ActorSystem, layout: ClusterLayout, leader: ActorId, timeoutMs: number): Promise<void> {
  const recoveryEnd = (await system.counters(leader).catch(() => undefined))?.recoveryEnd ?? 0;
  const deadline = performance.now() + timeoutMs;
  let waiting = [...layout.learners];
  while (waiting.length > 0 && performance.now() < deadline) {
    const nextSlots = await Promise.all(waiting.map((id) => system.counters(id).then((counters) => counters.nextSlot ?? 0, () => 0)));
    waiting = waiting.filter((_, i) => nextSlots[i]! < recoveryEnd);
    if (waiting.length > 0) await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function planLayout(options: ResolvedLogOptions): ClusterLayout {
  const range = (start: number, count: number) => Array.from({ length: count }, (_, i) => start + i);
  return {
    proposers: range(0, options.proposers),
    acceptors: range(options.proposers, options.acceptors),
    learners: range(options.proposers + options.acceptors, options.learners),
  };
}

function clientOptionsOf(options: ResolvedLogOptions, limits: LogLimits, generation: number): ClientOptions {
  return {
    requestBatchBytesMax: limits.requestBatchBytesMax,
    generation,
    entryBytesMax: options.entryBytesMax,
    inflightAppendsMax: options.inflightAppendsMax,
    appendTimeoutMs: options.appendTimeoutMs,
    // Long enough for a live leader under load, short enough to find a new one soon after a kill.
    resendAfterMs: Math.max(RUNTIME_TIMINGS.resendFloorMs, options.electionTimeoutMs),
  };
}
