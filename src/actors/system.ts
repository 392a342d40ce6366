import { performance } from 'node:perf_hooks';
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { wrap, releaseProxy, type Remote } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { Doorbell, RING_CAPACITY_BYTES_DEFAULT, VALUE_SLAB_BYTES_MAX, VALUE_SLAB_BYTES_MIN, createDoorbell, createRing, createValueSlab } from '../mailbox/index.js';
import { ACTOR_ID_MAX, isActorId, linkKey, linkTouches } from './actor-ids.js';
import { INTERRUPT_CONTROL, type IncomingLink, type OutgoingLink, type WorkerControl } from './control.js';
import { Endpoint, type EndpointHandle } from './endpoint.js';
import { SpareThread } from './spare-thread.js';
import { IdPool } from './id-pool.js';
import { ActorNotRunningError, ActorSystemClosedError, UnknownActorError } from './errors.js';
import { RestartDecisions, SUPERVISION_OFF, killHoldsDown, resolveSupervision, type KillOptions, type ResolvedSupervision, type RestartPolicy, type SupervisionOptions } from './supervisor.js';
import type { ActorId, ActorInfo, ActorSpec } from './types.js';

const WORKER_HOST_URL = new URL('./worker-host.js', import.meta.url);
/** How long close() lets actors run their stop() callbacks before terminating their threads. */
const SHUTDOWN_GRACE_MS = 1000;

export interface ActorSystemOptions {
  /** Capacity of each link's ring; a power of two. Default 1 MiB. */
  ringBytes?: number;
  /**
   * Restarts of actors that exit unexpectedly (see supervisor.ts): on by default (every actor
   * 'permanent', backoff from 5 ms, at most 10 restarts of one actor in 60 s); `false`: none.
   */
  supervision?: SupervisionOptions | false;
}

type ParticipantState = 'starting' | 'running' | 'stopped' | 'dead' | 'released';

interface Participant {
  readonly id: ActorId;
  readonly role: string;
  readonly kind: 'actor' | 'endpoint';
  /** Worker name for actors; undefined for endpoints. */
  readonly workerName: string | undefined;
  readonly spec: ActorSpec | undefined;
  /** An endpoint on this thread, which gets links to actors spawned after it. */
  endpoint: Endpoint | undefined;
  /** Doorbell of the thread this participant receives on (kept across restarts). */
  readonly doorbell: SharedArrayBuffer;
  /** A participant's value slab, for the life of the system or the endpoint (only its first incarnation or connection writes it: value-slab.ts). */
  readonly slab: SharedArrayBuffer | undefined;
  state: ParticipantState;
  placedBefore?: boolean;
  /** Links to participants that appeared while this one was starting, handed over once it runs. */
  readonly heldLinks: LinkBatch;
  exitReason?: string;
  /** An endpoint that talks to actors only: no links to other endpoints (see endpointHandle). */
  readonly actorsOnly?: boolean;
  /** Supervision of an actor; undefined for endpoints. */
  readonly restartPolicy?: RestartPolicy;
  /** Times it was brought back, by the supervisor or by restart(). */
  restarts: number;
  /** When it went down (performance.now()), for the restart event's downMs. */
  downSinceMs?: number;
  /** A supervised restart waiting out its backoff. */
  pendingRestart?: ReturnType<typeof setTimeout>;
}

interface WorkerRecord {
  readonly name: string;
  readonly worker: Worker;
  readonly doorbell: Doorbell;
  readonly control: Remote<WorkerControl>;
  readonly threadId: number;
  alive: boolean;
  killed: boolean;
  /** Killed with `restart: false`: its actors stay down until restart(). */
  holdDown: boolean;
  error: Error | undefined;
  /** Settles when the thread exits. */
  readonly exited: Promise<void>;
  /**
   * Control calls waiting for their answer: rejected when the thread exits, so none hangs. (Each
   * call used to race the `exited` promise, which left a reaction on it per call until the thread
   * ended: a long-lived worker leaked ~36 promises per connect and release.)
   */
  readonly pendingCalls: Set<(error: Error) => void>;
}

export interface ActorExitEvent {
  id: ActorId;
  role: string;
  worker: string;
  reason: string;
}

export interface ActorRestartEvent {
  id: ActorId;
  role: string;
  worker: string;
  /** Restarts of this actor so far, this one included. */
  restarts: number;
  /** From its exit (or stop) to running again, in ms. */
  downMs: number;
  /** true: the supervisor restarted it; false: restart() did. */
  supervised: boolean;
}

export interface ActorGaveUpEvent {
  id: ActorId;
  role: string;
  worker: string;
  /** Why it exited the last time. */
  reason: string;
  /** Restarts of this actor so far (none more will come from the supervisor). */
  restarts: number;
  /** Supervised restarts within intensity.periodMs: the limit it would have gone past. */
  restartsInPeriod: number;
}

interface ActorSystemEvents {
  actorExit: [ActorExitEvent];
  actorRestart: [ActorRestartEvent];
  actorGaveUp: [ActorGaveUpEvent];
}

/**
 * Spawns actors on worker threads, wires a mailbox link between every pair of participants,
 * and supervises them: a worker that throws or is terminated is detected and reported
 * (`'actorExit'` event, and `alive: false` in actors()), the rest keeps running, and the
 * supervisor (or restart()) brings it back on the same links (messages sent meanwhile wait in
 * its rings), with a backoff, giving up on an actor that keeps dying (`'actorGaveUp'`). Every
 * restart is reported (`'actorRestart'`).
 *
 * The control plane (spawn, stop, kill, restart, counters) goes over comlink, never the hot
 * path. A worker parked in Atomics.wait does not read its MessagePort, so every control call
 * also rings the worker's doorbell with the CONTROL interrupt.
 */
export class ActorSystem extends EventEmitter<ActorSystemEvents> {
  private readonly participants = new Map<ActorId, Participant>();
  private readonly workers = new Map<string, WorkerRecord>();
  /** Every link ever made, by linkKey(from, to). Links outlive restarts: a restarted actor reattaches. */
  private readonly links = new Map<number, Link>();
  /**
   * Link ids are reused too, once every worker dropped the links of a released endpoint: hosts
   * index their links by id in a plain array, which would otherwise grow with every connect.
   */
  private readonly freeLinkIds = new IdPool(Number.MAX_SAFE_INTEGER, () => false);
  private readonly freeIds = new IdPool(ACTOR_ID_MAX, (id) => this.participants.has(id));
  private closed = false;
  private readonly ringBytes: number;
  /** Bytes of each actor's value slab. */
  private readonly slabBytes: number;
  private readonly supervision: ResolvedSupervision;
  private readonly decisions: RestartDecisions;
  /** A worker thread started ahead for the next restart (supervision.spareThread). */
  private readonly spare: SpareThread | undefined;
  /** Supervised restarts under way: close() waits for them to settle. */
  private readonly restarting = new Set<Promise<void>>();

  constructor(options: ActorSystemOptions = {}) {
    super();
    if (typeof options !== 'object' || options === null) throw new TypeError(`ActorSystem options must be an object, got ${String(options)}`);
    this.ringBytes = options.ringBytes ?? RING_CAPACITY_BYTES_DEFAULT;
    createRing(this.ringBytes); // validates the size now rather than at the first spawn
    // Two rings' worth: an actor's large values in flight to all its receivers at once, before
    // the slab is full and they go inline again. It bounds the bytes queued for a receiver as its
    // ring did (a ring of references holds many more values than a ring of values): measured on 2
    // cores, four rings' worth gave 64 KiB x 256 a p99 up to half again longer (more queued ahead
    // of each Accept) and no more throughput.
    this.slabBytes = Math.min(VALUE_SLAB_BYTES_MAX, Math.max(VALUE_SLAB_BYTES_MIN, 2 * this.ringBytes));
    this.supervision = options.supervision === false ? SUPERVISION_OFF : resolveSupervision(options.supervision);
    this.decisions = new RestartDecisions(this.supervision);
    this.spare = this.supervision.spareThread ? new SpareThread(WORKER_HOST_URL) : undefined;
  }

  /** Starts an actor (on its own worker thread unless `spec.worker` places it with others) and returns its id. */
  async spawn(spec: ActorSpec): Promise<ActorId> {
    this.assertOpen();
    if (typeof spec !== 'object' || spec === null) throw new TypeError('spawn takes an ActorSpec object');
    if (typeof spec.role !== 'string' || spec.role === '') throw new TypeError(`spec.role must be a non-empty string, got ${String(spec.role)}`);
    if (typeof spec.module !== 'string' && !(spec.module instanceof URL)) throw new TypeError('spec.module must be a URL or a path string');
    if (spec.restart !== undefined && spec.restart !== 'permanent' && spec.restart !== 'temporary') {
      throw new RangeError(`spec.restart must be 'permanent' or 'temporary', got ${String(spec.restart)}`);
    }
    const id = this.claimId(spec.id);
    const workerName = spec.worker ?? `actor-${id}`;
    const worker = this.liveWorker(workerName) ?? this.startWorker(workerName);
    const participant: Participant = {
      id,
      kind: 'actor',
      role: spec.role,
      workerName,
      spec: { ...spec, id },
      endpoint: undefined,
      doorbell: worker.doorbell.sab,
      slab: createValueSlab(this.slabBytes),
      state: 'starting',
      heldLinks: { outgoing: [], incoming: [] },
      restartPolicy: spec.restart ?? this.supervision.restart,
      restarts: 0,
    };
    this.participants.set(id, participant);
    this.spare?.remember(moduleHref(spec.module));
    await this.place(participant, worker);
    this.decisions.started(id);
    this.spare?.prepare();
    return id;
  }

  /**
   * A participant on the calling thread that can send to actors and receive their replies. It is
   * also linked to actors spawned later.
   */
  endpoint(role = 'endpoint'): Endpoint {
    const { handle, participant } = this.addEndpoint(role);
    const endpoint = Endpoint.connect(handle);
    participant.endpoint = endpoint;
    return endpoint;
  }

  /**
   * An endpoint for another thread: post the handle there and `Endpoint.connect(handle)`. It is
   * linked to every participant that exists now (actors spawned later cannot reach it).
   */
  endpointHandle(role = 'endpoint', options: { actorsOnly?: boolean } = {}): EndpointHandle {
    return this.addEndpoint(role, options.actorsOnly === true).handle;
  }

  /**
   * Unwires an endpoint (its thread disconnected, exited or was found dead): every actor drops
   * its links to and from it (and forgets what it kept for it, Actor.peerReleased), and its rings
   * go. Without this, threads that connect and go away again and again would leave rings behind
   * each time. Once every live worker has dropped it, its id is free and may be handed out again
   * (ids are 16 bits): whoever built identities on an id must make them unique some other way (a
   * log client's ids also carry a generation per connection, so they never repeat).
   */
  async releaseEndpoint(id: ActorId): Promise<void> {
    const participant = this.participants.get(id);
    if (participant === undefined || participant.kind !== 'endpoint' || participant.state === 'released') return;
    participant.state = 'released';
    participant.endpoint?.close();
    participant.endpoint = undefined;
    const linkIds: number[] = [];
    for (const [key, link] of [...this.links]) {
      if (!linkTouches(key, id)) continue;
      this.links.delete(key);
      linkIds.push(link.linkId);
    }
    // Links held for actors still starting must not reach them later: their ids will be reused.
    for (const other of this.participants.values()) {
      const held = other.heldLinks;
      held.outgoing.splice(0, held.outgoing.length, ...held.outgoing.filter((link) => link.to !== id));
      held.incoming.splice(0, held.incoming.length, ...held.incoming.filter((link) => link.from !== id));
    }
    // Endpoints of this thread drop theirs now; the drops to workers are posted now (comlink posts
    // synchronously), so on every worker they come before the links of whichever endpoint takes
    // this id next.
    for (const other of this.participants.values()) if (other !== participant) other.endpoint?.dropPeer(id);
    await Promise.all(
      [...this.workers.values()].filter((worker) => worker.alive).map((worker) => this.call(worker, async (control) => control.dropPeer(id)).catch(() => {})),
    );
    if (this.participants.get(id) === participant) {
      this.participants.delete(id);
      this.freeIds.giveBack(id);
      for (const linkId of linkIds) this.freeLinkIds.giveBack(linkId);
    }
  }

  /** Endpoints holding an id now (this thread's and other threads', and those still being released). Internal: for tests and measurements. */
  get endpointCount(): number {
    let count = 0;
    for (const participant of this.participants.values()) if (participant.kind === 'endpoint') count++;
    return count;
  }

  /** Mailbox links (rings) held now. Internal: for tests and measurements. */
  get linkCount(): number {
    return this.links.size;
  }

  private addEndpoint(role: string, actorsOnly = false): { handle: EndpointHandle; participant: Participant } {
    this.assertOpen();
    const id = this.claimId(undefined);
    const doorbell = createDoorbell();
    const participant: Participant = {
      id,
      role,
      kind: 'endpoint',
      workerName: undefined,
      spec: undefined,
      endpoint: undefined,
      doorbell,
      // Page-backed, as an endpoint's rings: a client writes its commands here (and sends them to
      // the proposer by reference), and the pages it never touches cost nothing.
      slab: createValueSlab(this.slabBytes),
      state: 'running',
      heldLinks: { outgoing: [], incoming: [] },
      actorsOnly,
      restarts: 0,
    };
    this.participants.set(id, participant);
    const { own, others } = this.wire(participant);
    void this.distribute(others);
    const handle: EndpointHandle = { id, doorbell, claim: new SharedArrayBuffer(4), outgoing: own.outgoing, incoming: own.incoming };
    return { handle, participant };
  }

  /** The thread id of the idle spare thread the next restart will take, if one is ready (supervision.spareThread). */
  get spareThreadId(): number | undefined {
    return this.spare?.readyThreadId;
  }

  /** Every participant with its role, thread and liveness. */
  actors(): ActorInfo[] {
    return [...this.participants.values()]
      .filter((participant) => participant.kind === 'actor')
      .map((participant) => {
        const worker = this.workers.get(participant.workerName!);
        const info: ActorInfo = {
          id: participant.id,
          role: participant.role,
          threadId: worker?.threadId ?? -1,
          worker: participant.workerName!,
          alive: participant.state === 'running' || participant.state === 'starting',
          restarts: participant.restarts,
        };
        if (participant.exitReason !== undefined) info.exitReason = participant.exitReason;
        return info;
      });
  }

  /** The counters of a running actor (received, sent, sendRefused, and the behaviour's own). */
  async counters(id: ActorId): Promise<Record<string, number>> {
    const { worker } = this.running(id);
    return this.call(worker, (control) => control.counters(id));
  }

  /** A full garbage collection on every running worker thread (memory measurements: RSS without garbage). */
  async collectGarbage(): Promise<void> {
    await Promise.all([...this.workers.values()].filter((worker) => worker.alive).map((worker) => this.call(worker, async (control) => control.collectGarbage())));
  }

  /** Orderly stop: the actor's stop() runs and it leaves; its thread ends if nothing else lives there. */
  async stop(id: ActorId): Promise<void> {
    const { participant, worker } = this.running(id);
    await this.call(worker, (control) => control.stopActor(id));
    participant.state = 'stopped';
    participant.exitReason = 'stopped';
    participant.downSinceMs = performance.now();
    await this.retireIfIdle(worker);
  }

  /**
   * Terminates the actor's worker thread abruptly, as a crash would: no stop() callback, messages
   * in flight to it are lost. Every actor placed on the same worker dies with it. The supervisor
   * restarts them as after a crash (this is fault injection), unless `restart: false`: then they
   * stay down until restart(). `restart: false` on an actor already down and waiting for its
   * supervised restart cancels that restart.
   */
  async kill(id: ActorId, options?: KillOptions): Promise<void> {
    const holdDown = killHoldsDown(options);
    const pending = this.participants.get(id);
    if (holdDown && pending?.pendingRestart !== undefined && !this.closed) {
      this.cancelPendingRestart(pending);
      return;
    }
    const { worker } = this.running(id);
    worker.killed = true;
    worker.holdDown ||= holdDown;
    await worker.worker.terminate();
    await worker.exited;
  }

  /**
   * Brings back an actor that was killed, crashed or stopped: a new worker thread if its old one
   * is gone (together with the other dead actors of that worker) and a fresh instance of its
   * behaviour (from its module and config: whatever it had in memory is gone, as after a real
   * crash). It reattaches to the same links and doorbell, so its peers and endpoints (on any
   * thread) need no rewiring; messages that were in flight to it when it died are delivered to
   * the new instance, as a network may deliver a message late.
   *
   * An actor waiting for its supervised restart comes back now (the backoff is cancelled); one
   * the supervisor gave up on, or killed with `restart: false`, is supervised afresh. A running
   * or starting actor is an ActorNotRunningError (nothing to restart).
   */
  async restart(id: ActorId): Promise<void> {
    this.assertOpen();
    const participant = this.participants.get(id);
    if (participant === undefined || participant.spec === undefined) throw new UnknownActorError(id);
    if (participant.state === 'running' || participant.state === 'starting') throw new ActorNotRunningError(id, `${participant.state}, not dead`);
    try {
      await this.bringBack(participant, false);
    } catch (error) {
      if (this.closed) throw new ActorSystemClosedError();
      throw error;
    }
  }

  /** Stops every actor (their stop() callbacks get a short grace period) and ends every thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const participant of this.participants.values()) {
      this.cancelPendingRestart(participant);
      participant.endpoint?.close();
    }
    await Promise.all(
      [...this.workers.values()].map(async (worker) => {
        if (!worker.alive) return;
        const grace = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref());
        await Promise.race([this.call(worker, (control) => control.shutdown()).catch(() => undefined), grace]);
        worker.killed = true;
        await worker.worker.terminate();
        worker.control[releaseProxy]();
      }),
    );
    // A supervised restart that was under way placed its actor on a worker ended above (it was
    // started before `closed` was set): it settles now, its failure swallowed.
    await Promise.allSettled([...this.restarting]);
    await this.spare?.close();
    // The rings go now, even while someone still holds this system (a Cluster, a log object).
    this.links.clear();
    for (const participant of this.participants.values()) {
      participant.endpoint = undefined;
      participant.heldLinks.outgoing.length = 0;
      participant.heldLinks.incoming.length = 0;
    }
  }

  // ---- internals ----

  private assertOpen(): void {
    if (this.closed) throw new ActorSystemClosedError();
  }

  private claimId(requested: ActorId | undefined): ActorId {
    if (requested === undefined) {
      // The lowest free id: released endpoints' ids come back, so ids stay dense and bounded.
      const id = this.freeIds.take();
      if (id === undefined) throw new RangeError(`no free actor id: all ${ACTOR_ID_MAX + 1} ids (0 to ${ACTOR_ID_MAX}) are in use`);
      return id;
    }
    if (!isActorId(requested)) throw new RangeError(`actor id must be an integer from 0 to ${ACTOR_ID_MAX}, got ${String(requested)}`);
    if (this.participants.has(requested)) throw new RangeError(`actor id ${requested} is already taken`);
    return requested;
  }

  private running(id: ActorId): { participant: Participant; worker: WorkerRecord } {
    this.assertOpen();
    const participant = this.participants.get(id);
    if (participant === undefined || participant.workerName === undefined) throw new UnknownActorError(id);
    const worker = this.workers.get(participant.workerName);
    if (participant.state !== 'running' || worker === undefined || !worker.alive) throw new ActorNotRunningError(id, participant.state);
    return { participant, worker };
  }

  private actorsOn(workerName: string): Participant[] {
    return [...this.participants.values()].filter((participant) => participant.workerName === workerName);
  }

  private liveWorker(name: string): WorkerRecord | undefined {
    const worker = this.workers.get(name);
    return worker?.alive ? worker : undefined;
  }

  private startWorker(name: string): WorkerRecord {
    // A restarted worker takes over its predecessor's doorbell: senders keep ringing the same word.
    const doorbell = this.workers.get(name)?.doorbell ?? new Doorbell(createDoorbell());
    const worker = this.spare?.take(name, doorbell.sab) ?? new Worker(WORKER_HOST_URL, { workerData: { workerName: name, doorbell: doorbell.sab }, name });
    let markExited!: () => void;
    const record: WorkerRecord = {
      name,
      worker,
      doorbell,
      control: wrap<WorkerControl>(nodeEndpoint(worker)),
      threadId: worker.threadId,
      alive: true,
      killed: false,
      holdDown: false,
      error: undefined,
      exited: new Promise<void>((resolve) => (markExited = resolve)),
      pendingCalls: new Set(),
    };
    worker.on('error', (error) => {
      record.error = error;
    });
    worker.on('exit', (code) => {
      record.alive = false;
      markExited();
      const died = new Error(`worker ${name} exited during a control call${record.error ? `: ${record.error.message}` : ''}`);
      for (const reject of record.pendingCalls) reject(died);
      record.pendingCalls.clear();
      if (this.workers.get(name) !== record) return; // a late exit of a thread already replaced
      const reason = record.killed ? 'killed' : record.error ? `crashed: ${record.error.message}` : `exited with code ${code}`;
      for (const participant of this.actorsOn(name)) {
        if (participant.state !== 'running' && participant.state !== 'starting') continue;
        participant.state = 'dead';
        participant.exitReason = reason;
        participant.downSinceMs = performance.now();
        if (this.closed) continue;
        this.wakeReceiversOf(participant);
        this.emit('actorExit', { id: participant.id, role: participant.role, worker: name, reason });
        if (!record.holdDown) this.supervise(participant);
      }
    });
    this.workers.set(name, record);
    return record;
  }

  /**
   * Rings the doorbell of every receiver `participant` has a link to, once its thread is gone. A
   * thread holds its receivers' wake-ups to the end of each pass (HeldWakeups), so one that was
   * ended inside a pass (kill(), or process.exit() or an out-of-memory in a handler: an exception
   * still runs the pass's end) may have committed records whose receivers it never rang; a receiver parked with no timeout (an endpoint: a
   * client's thread) would never read them, and a learner's pushes to a follower then filled its
   * ring for good. Found by `npm run fuzz` (a follow read that stopped after a learner was killed).
   * A ring wakes only a receiver that is parked: one that is busy finds the records anyway.
   */
  private wakeReceiversOf(participant: Participant): void {
    for (const receiver of this.participants.values()) {
      if (receiver === participant || receiver.state === 'released') continue;
      if (this.links.has(linkKey(participant.id, receiver.id))) new Doorbell(receiver.doorbell).ring();
    }
  }

  /** Runs a control call on a worker: posts it, rings the CONTROL interrupt, and fails if the thread dies first. */
  private async call<T>(worker: WorkerRecord, invoke: (control: Remote<WorkerControl>) => Promise<T>): Promise<T> {
    if (!worker.alive) throw new Error(`worker ${worker.name} is not running`);
    return new Promise<T>((resolve, reject) => {
      worker.pendingCalls.add(reject);
      const settle = (): void => void worker.pendingCalls.delete(reject);
      invoke(worker.control).then( // comlink posts the request synchronously
        (value) => {
          settle();
          resolve(value);
        },
        (error: unknown) => {
          settle();
          reject(error);
        },
      );
      worker.doorbell.interrupt(INTERRUPT_CONTROL);
    });
  }

  /** The link from -> to, made on first use and kept for the life of the system. */
  private link(from: Participant, to: Participant): Link {
    const key = linkKey(from.id, to.id);
    let link = this.links.get(key);
    if (link === undefined) {
      // An endpoint's links go when it is released (threads connect and go): their rings are
      // page-backed, so that their memory goes back to the OS (see CreateRingOptions).
      const pageBacked = from.kind === 'endpoint' || to.kind === 'endpoint';
      link = { linkId: this.freeLinkIds.take()!, ring: createRing(this.ringBytes, { pageBacked }) };
      this.links.set(key, link);
    }
    return link;
  }

  /** Every link into and out of `participant`, split into its own ends and its peers' ends. */
  private wire(participant: Participant): { own: LinkBatch; others: Map<Participant, LinkBatch> } {
    const own: LinkBatch = { outgoing: [], incoming: [] };
    const others = new Map<Participant, LinkBatch>();
    for (const other of this.participants.values()) {
      if (other === participant || other.state === 'released') continue;
      // Endpoints that talk to actors only need no rings between them (n endpoints would make n^2).
      if (participant.kind === 'endpoint' && other.kind === 'endpoint' && (participant.actorsOnly || other.actorsOnly)) continue;
      const out = this.link(participant, other);
      const back = this.link(other, participant);
      // Values by reference to actors only: an endpoint's thread may be unwired while it still
      // reads (a reclaimed connection), and references to its senders' slabs would go stale under
      // it. An actor reads an endpoint's references before it lets go of their record (a proposer
      // copies the commands it keeps), and the endpoint writes nothing over them until then.
      const slabOut = other.kind === 'actor' ? participant.slab : undefined;
      const slabBack = participant.kind === 'actor' ? other.slab : undefined;
      own.outgoing.push({ from: participant.id, to: other.id, ring: out.ring, doorbell: other.doorbell, slab: slabOut });
      own.incoming.push({ linkId: back.linkId, from: other.id, to: participant.id, ring: back.ring, slab: slabBack });
      others.set(other, {
        outgoing: [{ from: other.id, to: participant.id, ring: back.ring, doorbell: participant.doorbell, slab: slabBack }],
        incoming: [{ linkId: out.linkId, from: participant.id, to: other.id, ring: out.ring, slab: slabOut }],
      });
    }
    return { own, others };
  }

  /** Hands each live peer its ends of a new participant's links: one control call per worker, direct calls for endpoints. */
  private async distribute(others: Map<Participant, LinkBatch>): Promise<void> {
    const perWorker = new Map<WorkerRecord, LinkBatch>();
    for (const [other, links] of others) {
      if (other.kind === 'endpoint') {
        other.endpoint?.setLinks(links.outgoing, links.incoming); // a remote endpoint keeps the links it was made with
        continue;
      }
      // A peer still starting may have been wired before this participant existed: its links
      // wait and go to it as soon as it runs. A dead peer gets all its links when restarted.
      if (other.state === 'starting') {
        other.heldLinks.outgoing.push(...links.outgoing);
        other.heldLinks.incoming.push(...links.incoming);
        continue;
      }
      if (other.state !== 'running') continue;
      const worker = this.liveWorker(other.workerName!);
      if (worker === undefined) continue;
      const batch = perWorker.get(worker) ?? { outgoing: [], incoming: [] };
      batch.outgoing.push(...links.outgoing);
      batch.incoming.push(...links.incoming);
      perWorker.set(worker, batch);
    }
    await Promise.all(
      [...perWorker].map(([worker, batch]) =>
        this.call(worker, (control) => control.setLinks(batch.outgoing, batch.incoming)).catch(() => {
          // The peer died meanwhile: it gets all its links when restarted.
        }),
      ),
    );
  }

  /**
   * The supervisor's answer to an unexpected exit: a restart after the backoff, or, past the
   * restart intensity, giving up (the actor stays dead, its idle thread ends).
   */
  private supervise(participant: Participant): void {
    if (this.closed || participant.restartPolicy !== 'permanent') return;
    const decision = this.decisions.exited(participant.id);
    if (decision.kind === 'giveUp') {
      const name = participant.workerName!;
      this.emit('actorGaveUp', {
        id: participant.id,
        role: participant.role,
        worker: name,
        reason: participant.exitReason ?? 'unknown',
        restarts: participant.restarts,
        restartsInPeriod: decision.restartsInPeriod,
      });
      const worker = this.liveWorker(name);
      if (worker !== undefined) void this.retireIfIdle(worker).catch(() => undefined);
      return;
    }
    participant.pendingRestart = setTimeout(() => {
      participant.pendingRestart = undefined;
      if (this.closed || participant.state !== 'dead') return;
      const restarting = this.bringBack(participant, true).catch(() => {
        // Reported already: a failed start is an exit of its own (see place), and a close()
        // racing this restart ended the thread on purpose.
      });
      this.restarting.add(restarting);
      void restarting.finally(() => this.restarting.delete(restarting));
    }, decision.delayMs);
  }

  private cancelPendingRestart(participant: Participant): void {
    if (participant.pendingRestart === undefined) return;
    clearTimeout(participant.pendingRestart);
    participant.pendingRestart = undefined;
  }

  /**
   * Restarts a dead or stopped actor (see restart()); `supervised`: the supervisor's restart,
   * which brings back, with it, only the actors of its worker that wait for theirs.
   */
  private async bringBack(participant: Participant, supervised: boolean): Promise<void> {
    const name = participant.workerName!;
    const existing = this.liveWorker(name);
    const worker = existing ?? this.startWorker(name);
    const comingBack = existing
      ? [participant]
      : this.actorsOn(name).filter((other) => other === participant || (other.state === 'dead' && (!supervised || other.pendingRestart !== undefined)));
    for (const actor of comingBack) {
      this.cancelPendingRestart(actor);
      if (!supervised) this.decisions.forget(actor.id);
      actor.state = 'starting';
      delete actor.exitReason;
    }
    let failure: unknown;
    for (const actor of comingBack) {
      try {
        await this.place(actor, worker, supervised);
      } catch (error) {
        failure ??= error;
        continue;
      }
      actor.restarts++;
      this.decisions.started(actor.id);
      const downMs = performance.now() - (actor.downSinceMs ?? performance.now());
      delete actor.downSinceMs;
      this.emit('actorRestart', { id: actor.id, role: actor.role, worker: name, restarts: actor.restarts, downMs, supervised });
    }
    if (failure !== undefined) throw failure;
  }

  /** Ends a worker thread none of whose actors runs any more (after a stop, or the supervisor giving up). */
  private async retireIfIdle(worker: WorkerRecord): Promise<void> {
    if (this.actorsOn(worker.name).some((other) => other.state === 'running' || other.state === 'starting')) return;
    worker.killed = true;
    await worker.worker.terminate();
    await worker.exited;
  }

  /**
   * Starts the participant's behaviour on `worker` with all its links; on first placement, tells
   * its peers about it. A behaviour that fails to start leaves it dead; `supervised`: that
   * failure is reported and supervised as an exit (nobody awaits this placement to hear of it).
   */
  private async place(participant: Participant, worker: WorkerRecord, supervised = false): Promise<void> {
    const firstPlacement = participant.state === 'starting' && !participant.placedBefore;
    const { own, others } = this.wire(participant);
    const spec = participant.spec!;
    const module = moduleHref(spec.module);
    try {
      await this.call(worker, (control) =>
        control.addActor({ id: participant.id, role: participant.role, module, config: spec.config }, own.outgoing, own.incoming),
      );
    } catch (error) {
      // Still 'starting': its thread lives and the behaviour failed (a thread that died is
      // reported and supervised by its exit handler).
      if (participant.state === 'starting') {
        participant.state = 'dead';
        participant.exitReason = `failed to start: ${(error as Error).message}`;
        participant.downSinceMs = performance.now();
        if (supervised && !this.closed) {
          this.emit('actorExit', { id: participant.id, role: participant.role, worker: worker.name, reason: participant.exitReason });
          this.supervise(participant);
        }
      }
      throw error;
    }
    participant.state = 'running';
    const held = participant.heldLinks;
    if (held.outgoing.length > 0 || held.incoming.length > 0) {
      const batch = { outgoing: held.outgoing.splice(0), incoming: held.incoming.splice(0) };
      await this.call(worker, (control) => control.setLinks(batch.outgoing, batch.incoming));
    }
    if (firstPlacement) {
      participant.placedBefore = true;
      await this.distribute(others);
    }
  }
}

/** A behaviour module as a URL string, as the worker host imports it. */
function moduleHref(module: string | URL): string {
  if (module instanceof URL) return module.href;
  return /^[a-z]+:/i.test(module) ? module : pathToFileURL(module).href;
}

interface Link {
  readonly linkId: number;
  readonly ring: SharedArrayBuffer;
}

interface LinkBatch {
  outgoing: OutgoingLink[];
  incoming: IncomingLink[];
}

