import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { HeldWakeups, Inbox, Outbox, SlabClaim, type SlabHold, type ValueSlabWriter } from '../mailbox/index.js';
import type { WakeSignal } from '../mailbox/doorbell.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { INTERRUPT_CONTROL, INTERRUPT_IDLE_WORK, type HostedActorSpec, type IncomingLink, type OutgoingLink, type WorkerControl } from './control.js';
import { ActorNotRunningError, UnknownActorError } from './errors.js';
import { ThreadStats } from './thread-stats.js';
import { TimerSet } from './timers.js';
import type { Actor, ActorContext, ActorFactory, ActorId } from './types.js';
import { ReusedList } from '../util/reused-list.js';

/** Longest the loop blocks in Atomics.wait before it returns to the event loop on its own. */
const IDLE_PARK_MS = 50;
/** Longest the loop keeps the thread busy before it lets the event loop run (ports, async starts). */
const TURN_BUDGET_MS = 20;
/** Messages taken from one link per pass, so one busy sender cannot starve the others. */
const MESSAGES_PER_LINK_PER_PASS = 256;

/**
 * An exception escaping a behaviour crashes its worker (let it crash: the supervisor sees it and
 * can restart). The message names the actor, so the report says who failed.
 */
function blame(hosted: HostedActor, error: unknown): unknown {
  if (error instanceof Error) error.message = `actor ${hosted.id} (${hosted.role}) failed: ${error.message}`;
  return error;
}

class HostedActor implements ActorContext {
  actor: Actor | undefined;
  readonly outboxes: Array<Outbox | undefined> = [];
  readonly counters: Record<string, number> = { received: 0, sent: 0, sendRefused: 0 };
  peerIds: ActorId[] = [];
  /** Endpoints released by the system: sends to them are dropped (see send). */
  readonly releasedPeers = new Set<ActorId>();
  /** Received a message since the last flush. */
  touched = false;
  /** The holds of this actor's incoming links, if it holdsSlabValues (Actor.holdsSlabValues). */
  slabHolds: SlabHold[] = [];
  /** The link this actor wrote to last: a fan-out of one message copies its encoding from there. */
  private lastOutbox: Outbox | undefined = undefined;
  /** This actor's value slab's writer, claimed at the first link; its behaviour (once started) names the views it keeps. */
  private readonly slab = new SlabClaim((visit) => this.actor?.keptSlabViews?.(visit));

  constructor(
    readonly id: ActorId,
    readonly role: string,
    private readonly host: ActorHost,
  ) {}

  send(to: ActorId, message: unknown): boolean {
    return this.write(to, message, false);
  }

  /** The writer of `slab` (this actor's, as every outgoing link carries it), claimed at the first link: none if it was taken before. */
  writerOf(slab: SharedArrayBuffer | undefined): ValueSlabWriter | undefined {
    return this.slab.writerOf(slab);
  }

  /** Large values this actor sent through its value slab, and those that went inline for want of room in it (none without a writer); and what it keeps of others' slabs. */
  slabCounters(): Record<string, number> {
    const writer = this.slab.writer;
    const counters: Record<string, number> = writer === undefined ? {} : { slabPlacements: writer.placements, slabInline: writer.refusals, slabKeeps: writer.keeps, slabKeepRefusals: writer.keepRefusals };
    // Records whose values in their senders' slabs this actor keeps now (Actor.holdsSlabValues).
    if (this.slabHolds.length > 0) counters.slabKept = this.slabHolds.reduce((sum, hold) => sum + hold.kept, 0);
    return counters;
  }

  sendQuietly(to: ActorId, message: unknown): boolean {
    return this.write(to, message, true);
  }

  keepInSlab(bytes: Uint8Array): Uint8Array | undefined {
    // No writer before the first outgoing link, or for a later incarnation (the slab was claimed before).
    return this.slab.writer?.keep(bytes);
  }

  private write(to: ActorId, message: unknown, quiet: boolean): boolean {
    const outbox = this.outboxes[to];
    if (outbox === undefined) {
      // A released endpoint is gone for good: what was still addressed to it is dropped, like a
      // message to a crashed peer, rather than held for a peer that will never read it.
      if (this.releasedPeers.has(to)) {
        this.counters.sentToReleased = (this.counters.sentToReleased ?? 0) + 1;
        return true;
      }
      throw new UnknownActorError(to);
    }
    const previous = this.lastOutbox;
    if (previous === undefined ? outbox.trySend(message, quiet) : outbox.trySendAgain(message, previous, quiet)) {
      this.lastOutbox = outbox;
      this.counters.sent!++;
      return true;
    }
    this.counters.sendRefused!++;
    return false;
  }

  peers(): readonly ActorId[] {
    return this.peerIds;
  }

  keepSlabValues(key: number): void {
    this.host.keepHanded(key);
  }

  releaseSlabValues(belowKey: number): boolean {
    const holds = this.slabHolds;
    let withinBound = true;
    for (let i = 0; i < holds.length; i++) if (!holds[i]!.release(belowKey)) withinBound = false;
    return withinBound;
  }

  setTimer(key: string, delayMs: number): void {
    if (!(delayMs >= 0)) throw new RangeError(`timer delay must be >= 0 ms, got ${delayMs}`);
    this.host.timers.set(this, this.id, key, performance.now() + delayMs);
  }

  cancelTimer(key: string): void {
    this.host.timers.cancel(this.id, key);
  }

  get wakeSignal(): WakeSignal {
    return this.host.wakeSignal;
  }

  messagesWaiting(): boolean {
    return this.host.messagesWaiting();
  }

  now(): number {
    return performance.now();
  }
}

/**
 * Runs the actors of one worker thread. The loop drains the thread's inbox, fires due timers,
 * and parks on the doorbell when idle. It parks with the blocking Atomics.wait (the fastest
 * wake-up there is), so to keep serving the control plane it returns to the event loop when
 * the system rings the CONTROL interrupt, after each turn budget, and after each idle park.
 */
export class ActorHost {
  readonly timers = new TimerSet<HostedActor>();
  private readonly inbox: Inbox;
  private readonly actors: Array<HostedActor | undefined> = [];
  /** linkId -> [from, to]; a plain array because link ids are small dense integers. */
  private readonly linkEnds: Array<readonly [ActorId, ActorId] | undefined> = [];
  /** Actors that received messages in the current drain pass, to flush after it. */
  private readonly touched = new ReusedList<HostedActor>();
  private scheduled = false;
  private stopped = false;
  /** The actors with an idle() (Actor.idle), kept as actors come and go: most threads have none. */
  private idlers: HostedActor[] = [];
  /** Control calls in progress (module loading, async start/stop): they need the event loop, so the loop must not park. */
  private controlTasks = 0;

  private readonly deliver = (linkId: number, message: unknown): void => {
    const ends = this.linkEnds[linkId]!;
    const hosted = this.actors[ends[1]];
    if (hosted === undefined || hosted.actor === undefined) return; // stopped meanwhile: like a dead peer
    hosted.counters.received!++;
    if (!hosted.touched) {
      hosted.touched = true;
      this.touched.push(hosted);
    }
    try {
      hosted.actor.receive(ends[0], message, hosted);
    } catch (error) {
      throw blame(hosted, error);
    }
  };

  /** Whether the receiver of a link takes its messages in place (Actor.receivesInPlace). */
  private readonly receivesInPlace = (linkId: number): boolean => {
    const ends = this.linkEnds[linkId];
    if (ends === undefined) return false;
    const actor = this.actors[ends[1]]?.actor;
    return actor !== undefined && (actor.receivesInPlace === true || actor.receivesInPlaceFrom?.(ends[0]) === true);
  };

  /** Whether the receiver of a link leaves its messages in the mailbox for now (Actor.holdsBackFrom). */
  private readonly holdsBack = (linkId: number): boolean => {
    const ends = this.linkEnds[linkId];
    if (ends === undefined) return false;
    const actor = this.actors[ends[1]]?.actor;
    return actor?.holdsBackFrom !== undefined && actor.holdsBackFrom(ends[0]);
  };

  private readonly fireTimer = (hosted: HostedActor, key: string): void => {
    if (this.actors[hosted.id] !== hosted) return;
    try {
      hosted.actor?.timer?.(key, hosted);
    } catch (error) {
      throw blame(hosted, error);
    }
  };

  readonly control: WorkerControl = {
    addActor: (spec, outgoing, incoming) => this.whileControlling(() => this.addActor(spec, outgoing, incoming)),
    setLinks: (outgoing, incoming) => this.setLinks(outgoing, incoming),
    stopActor: (id) => this.whileControlling(() => this.stopActor(id)),
    shutdown: () => this.whileControlling(() => this.shutdown()),
    counters: (id) => ({ ...this.hosted(id).counters, ...this.hosted(id).slabCounters(), ...this.threadStats.read() }),
    collectGarbage: () => fullGc(),
    dropPeer: (id) => this.dropPeer(id),
  };

  /** How a helper thread wakes this thread for its actors' idle work (ActorContext.wakeSignal). */
  readonly wakeSignal: WakeSignal;

  /** Wake-ups of receivers, held for the length of one pass of the turn (see turn()). */
  private readonly wakeups = new HeldWakeups();

  /** Garbage collections and heap of this thread, reported with every actor's counters. */
  private readonly threadStats = new ThreadStats();

  constructor(
    readonly workerName: string,
    doorbell: SharedArrayBuffer,
  ) {
    this.inbox = new Inbox(doorbell);
    this.wakeSignal = { doorbell, bits: INTERRUPT_IDLE_WORK };
  }

  run(): void {
    this.schedule();
  }

  messagesWaiting(): boolean {
    return this.inbox.hasMessages();
  }

  /** HostedActor.keepSlabValues(): the message being handed over is the inbox's. */
  keepHanded(key: number): void {
    this.inbox.keepHanded(key);
  }

  private async whileControlling<T>(task: () => Promise<T>): Promise<T> {
    this.controlTasks++;
    try {
      return await task();
    } finally {
      this.controlTasks--;
    }
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(this.turn);
  }

  private readonly turn = (): void => {
    this.scheduled = false;
    if (this.stopped) return;
    const inbox = this.inbox;
    const timers = this.timers;
    const turnEndMs = performance.now() + TURN_BUDGET_MS;
    const wakeups = this.wakeups;
    for (;;) {
      // One pass: every message handled, flushed and timed out, with the receivers' wake-ups held
      // to its end, so each receiver is woken once per pass, not once per message (HeldWakeups).
      let delivered: number;
      let nowMs: number;
      wakeups.hold();
      try {
        delivered = inbox.drain(this.deliver, MESSAGES_PER_LINK_PER_PASS, this.receivesInPlace);
        if (this.touched.length > 0) this.flushTouched();
        nowMs = performance.now();
        timers.fireDue(nowMs, this.fireTimer);
      } finally {
        wakeups.release();
      }
      if (delivered > 0) this.threadStats.passes++;
      if ((inbox.doorbell.takeInterrupts() & INTERRUPT_CONTROL) !== 0 || nowMs >= turnEndMs) break;
      if (delivered === 0 && this.controlTasks > 0) break;
      if (delivered === 0) {
        // Idle work first (Actor.idle): the loop comes back here, past a look at the inbox, until
        // no actor has any left.
        if (this.runIdle()) continue;
        const parkMs = Math.min(IDLE_PARK_MS, timers.nextDueMs - nowMs);
        if (parkMs > 0) {
          this.threadStats.parks++;
          inbox.wait(parkMs);
        }
        nowMs = performance.now();
        if (nowMs >= turnEndMs) break;
      }
    }
    this.schedule();
  };

  /** Calls every actor's idle(); true if any did work. */
  private runIdle(): boolean {
    const idlers = this.idlers;
    if (idlers.length === 0) return false;
    let worked = false;
    for (const hosted of idlers) {
      if (this.actors[hosted.id] !== hosted || hosted.actor?.idle === undefined) continue;
      try {
        if (hosted.actor.idle(hosted)) worked = true;
      } catch (error) {
        throw blame(hosted, error);
      }
    }
    return worked;
  }

  /**
   * What every pass asks of the actors hosted now: their idle work, and whether any holds links
   * back (the inbox asks per link only then: an acceptor's or a learner's passes skip it).
   */
  private refreshActorHooks(): void {
    this.idlers = this.actors.filter((hosted): hosted is HostedActor => hosted?.actor?.idle !== undefined);
    this.inbox.holdsBack = this.actors.some((hosted) => hosted?.actor?.holdsBackFrom !== undefined) ? this.holdsBack : undefined;
  }

  private flushTouched(): void {
    const touched = this.touched;
    for (let i = 0; i < touched.length; i++) {
      const hosted = touched.get(i);
      hosted.touched = false;
      if (this.actors[hosted.id] !== hosted || hosted.actor?.flush === undefined) continue;
      try {
        hosted.actor.flush(hosted);
      } catch (error) {
        touched.clear();
        throw blame(hosted, error);
      }
    }
    touched.clear();
  }

  private hosted(id: ActorId): HostedActor {
    const hosted = this.actors[id];
    if (hosted === undefined) throw new UnknownActorError(id);
    return hosted;
  }

  private async addActor(spec: HostedActorSpec, outgoing: OutgoingLink[], incoming: IncomingLink[]): Promise<void> {
    const hosted = new HostedActor(spec.id, spec.role, this);
    this.actors[spec.id] = hosted;
    this.setLinks(outgoing, []);
    try {
      const moduleUrl = /^[a-z]+:/i.test(spec.module) ? spec.module : pathToFileURL(spec.module).href;
      const loaded = (await import(moduleUrl)) as { default?: ActorFactory };
      if (typeof loaded.default !== 'function') {
        throw new TypeError(`behaviour module ${spec.module} has no default export factory (config, context) => actor`);
      }
      const actor = await loaded.default(spec.config, hosted);
      if (actor === null || typeof actor !== 'object' || typeof actor.receive !== 'function') {
        throw new TypeError(`behaviour module ${spec.module} made ${String(actor)}, not an actor with receive()`);
      }
      if (actor.holdsSlabValues === true && (actor.receivesInPlace === true || actor.receivesInPlaceFrom !== undefined)) {
        throw new TypeError(`behaviour module ${spec.module} made an actor that both holds slab values and receives in place: its views would be of the ring`);
      }
      hosted.actor = actor;
      this.refreshActorHooks();
      await actor.start?.(hosted);
    } catch (error) {
      // A behaviour that failed to start leaves nothing behind: no timers firing into it, and the
      // slot free for the next attempt (the supervisor may try again on this same thread).
      this.timers.cancelAll(spec.id);
      if (this.actors[spec.id] === hosted) this.actors[spec.id] = undefined;
      this.refreshActorHooks();
      throw error;
    }
    // Only now take its incoming links: anything sent meanwhile waited in the rings. Not those of
    // an endpoint released meanwhile (dropPeer came while the behaviour started): their rings are
    // gone, and their ids may be handed out again.
    this.setLinks([], incoming.filter((link) => !hosted.releasedPeers.has(link.from)));
    this.schedule();
  }

  /** Idempotent: a link handed over twice (actors placed at the same time learn of each other both ways) is kept once. */
  private setLinks(outgoing: OutgoingLink[], incoming: IncomingLink[]): void {
    for (const link of outgoing) {
      const hosted = this.hosted(link.from);
      if (hosted.outboxes[link.to]?.producer.sab === link.ring) continue;
      hosted.outboxes[link.to]?.retire();
      hosted.outboxes[link.to] = new Outbox(link.ring, link.doorbell, undefined, this.wakeups, hosted.writerOf(link.slab));
      hosted.releasedPeers.delete(link.to); // an id handed out again
      if (!hosted.peerIds.includes(link.to)) hosted.peerIds = [...hosted.peerIds, link.to].sort((a, b) => a - b);
    }
    for (const link of incoming) {
      const ends = this.linkEnds[link.linkId];
      if (ends !== undefined) {
        if (this.inbox.ringOf(link.linkId) === link.ring) continue;
        // The same id with another ring: the id was given back and handed out again, so the link
        // kept under it is dead. That happens where an actor took its incoming links at the end
        // of its start, after the drop of an endpoint released meanwhile (dropPeer found nothing
        // to drop yet): kept, the stale link hid the next endpoint's link of that id, and the
        // actor never read what that endpoint sent it (a follower's reads waited forever).
        this.dropHold(ends[1], link.linkId);
        this.inbox.removeLink(link.linkId);
      }
      this.linkEnds[link.linkId] = [link.from, link.to];
      const receiver = this.actors[link.to];
      const holds = receiver?.actor?.holdsSlabValues === true;
      this.inbox.addLink(link.linkId, link.ring, link.slab, holds);
      const hold = holds ? this.inbox.slabHold(link.linkId) : undefined;
      if (hold !== undefined) receiver!.slabHolds = [...receiver!.slabHolds, hold];
    }
  }

  /** The link `linkId` into actor `to` goes: its hold (if any) is no longer the actor's to release. */
  private dropHold(to: ActorId, linkId: number): void {
    const hosted = this.actors[to];
    const hold = this.inbox.slabHold(linkId);
    if (hosted !== undefined && hold !== undefined) hosted.slabHolds = hosted.slabHolds.filter((kept) => kept !== hold);
  }

  private dropPeer(id: ActorId): void {
    for (const hosted of this.actors) {
      if (hosted === undefined) continue;
      hosted.outboxes[id]?.retire();
      hosted.outboxes[id] = undefined;
      hosted.peerIds = hosted.peerIds.filter((peer) => peer !== id);
      hosted.releasedPeers.add(id);
      if (hosted.actor?.peerReleased !== undefined) {
        try {
          hosted.actor.peerReleased(id, hosted);
        } catch (error) {
          console.error(blame(hosted, error));
        }
      }
    }
    for (let linkId = 0; linkId < this.linkEnds.length; linkId++) {
      const ends = this.linkEnds[linkId];
      if (ends?.[0] === id) {
        this.dropHold(ends[1], linkId);
        this.inbox.removeLink(linkId);
        this.linkEnds[linkId] = undefined;
      }
    }
  }

  private async stopActor(id: ActorId): Promise<void> {
    const hosted = this.hosted(id);
    if (hosted.actor === undefined) throw new ActorNotRunningError(id, 'starting');
    // An orderly stop first handles what is already in the mailboxes: a message sent before the
    // stop request must not be overtaken by it (the control plane travels on another channel).
    // Those an actor held back too (Actor.holdsBackFrom): it is told every one before it stops.
    this.inbox.holdsBack = undefined;
    try {
      while (this.inbox.drain(this.deliver, MESSAGES_PER_LINK_PER_PASS, this.receivesInPlace) > 0) this.flushTouched();
    } finally {
      this.refreshActorHooks();
    }
    try {
      await hosted.actor.stop?.(hosted);
    } finally {
      this.timers.cancelAll(id);
      for (let linkId = 0; linkId < this.linkEnds.length; linkId++) {
        if (this.linkEnds[linkId]?.[1] === id) {
          this.inbox.removeLink(linkId);
          this.linkEnds[linkId] = undefined;
        }
      }
      this.actors[id] = undefined;
      this.refreshActorHooks();
    }
  }

  private async shutdown(): Promise<void> {
    for (const hosted of this.actors) if (hosted?.actor !== undefined) await this.stopActor(hosted.id);
    this.stopped = true;
  }
}

let gc: (() => void) | undefined;
/** A full GC of this thread: exposes V8's gc() the first time (the flag may be set at run time). */
function fullGc(): void {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
