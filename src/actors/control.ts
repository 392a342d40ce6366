import type { ActorId } from './types.js';

/** Bit in a worker's doorbell interrupt word: a control-plane call is waiting on its MessagePort. */
export const INTERRUPT_CONTROL = 1;
/** Bit in a worker's doorbell interrupt word: another thread's work for an actor returned (ActorContext.wakeSignal); the host runs idle work. */
export const INTERRUPT_IDLE_WORK = 2;

/** The sending end of a link, as handed to the thread that owns the sender. */
export interface OutgoingLink {
  from: ActorId;
  to: ActorId;
  ring: SharedArrayBuffer;
  /** Doorbell of the thread hosting `to`. */
  doorbell: SharedArrayBuffer;
  /** The value slab of `from` (on a link to an actor): large binaries may go by reference to it (value-slab.ts). */
  slab?: SharedArrayBuffer;
}

/** The receiving end of a link, as handed to the thread that hosts the receiver. */
export interface IncomingLink {
  linkId: number;
  from: ActorId;
  to: ActorId;
  ring: SharedArrayBuffer;
  /** The value slab of `from`, where references in its records point (none: it sends everything inline). */
  slab?: SharedArrayBuffer;
}

export interface HostedActorSpec {
  id: ActorId;
  role: string;
  module: string;
  config: unknown;
}

/**
 * What a worker host exposes to the ActorSystem over comlink. Control plane only: every call
 * costs a postMessage round trip and a structured clone, which is fine for spawn/stop/inspect
 * and would be ruinous on the message path.
 */
export interface WorkerControl {
  /** Loads the behaviour, runs start(), then begins delivering its incoming links. */
  addActor(spec: HostedActorSpec, outgoing: OutgoingLink[], incoming: IncomingLink[]): Promise<void>;
  /** Adds links to and from a new peer. */
  setLinks(outgoing: OutgoingLink[], incoming: IncomingLink[]): void;
  /** Orderly stop of one actor: its stop() callback, then its links and timers go. */
  stopActor(id: ActorId): Promise<void>;
  /** Orderly stop of every actor on this thread, before the worker is terminated. */
  shutdown(): Promise<void>;
  counters(id: ActorId): Record<string, number>;
  /** A full garbage collection on this thread now (for memory measurements, never on a hot path). */
  collectGarbage(): void;
  /** Forgets a released endpoint: every hosted actor drops its outbox to it, and its incoming links go. */
  dropPeer(id: ActorId): void;
}
