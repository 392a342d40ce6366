import type { WakeSignal } from '../mailbox/doorbell.js';
import type { RestartPolicy } from './supervisor.js';

/** Actors are addressed by small non-negative integers, unique within an ActorSystem. */
export type ActorId = number;

/**
 * An actor's behaviour: the whole callback surface (Erlang's gen_server in miniature).
 * All callbacks run on the actor's worker thread, one at a time; none may block for long,
 * since co-located actors and the control plane share the thread.
 */
export interface Actor<Message = unknown> {
  /** Called once before the first message. */
  start?(context: ActorContext): void | Promise<void>;
  /** One message from `from` (an actor or an endpoint). */
  receive(from: ActorId, message: Message, context: ActorContext): void;
  /**
   * Take messages in place (see Inbox.drain): receive() runs while the message is still in its
   * ring, and its binary fields are views of the ring, valid only during the call (keep a copy of
   * what outlives it). The price: an actor that dies inside receive() may be handed the same
   * message again after its restart, so only an actor to which a duplicate is harmless (an
   * acceptor: Paxos tolerates duplicated messages) may set it. Read once, at start.
   */
  readonly receivesInPlace?: boolean;
  /**
   * As receivesInPlace, for the messages from `from` only (an actor that must keep views of what
   * some senders send: a proposer takes its clients' batches in place, its peers' Promises not).
   * Asked on every pass over the link; receivesInPlace true overrides it.
   */
  receivesInPlaceFrom?(from: ActorId): boolean;
  /**
   * While this says true for `from`, its messages wait in their mailbox: the host neither takes
   * them nor wakes for them, and a sender finds the mailbox full (backpressure). Asked at the
   * start of every pass for each link with messages waiting (once per pass: what the actor takes
   * in a pass does not hold back the links after it), and when the host looks for work before
   * parking. It must turn false by itself through the actor's other messages or timers (a
   * leader whose queue of client commands is long takes no more until slots drain it, which its
   * acceptors' votes do).
   */
  holdsBackFrom?(from: ActorId): boolean;
  /**
   * Visits every view of this actor's own value slab (ActorContext.keepInSlab()) that it still
   * reads; what it does not visit may be written over. Called when the slab looks for room.
   */
  keptSlabViews?(visit: (view: Uint8Array) => void): void;
  /**
   * Keep large values of received messages where the sender wrote them (its value slab), not a
   * copy: receive() gets binary fields that came by reference as views of the sender's slab,
   * valid until the next context.releaseSlabValues(), or longer for a message it calls
   * context.keepSlabValues(key) on: until a releaseSlabValues() with a key above. Inline binaries
   * are copies as usual. The actor must call releaseSlabValues() often (each flush), or its
   * senders' slabs fill and their values go inline (copied). Not with receivesInPlace. Read once,
   * at start.
   */
  readonly holdsSlabValues?: boolean;
  /**
   * Called after a batch of messages was handed to receive(), before the thread parks or moves
   * on: the place for group commit (persist everything the batch changed with one sync, then
   * send the replies the batch produced).
   */
  flush?(context: ActorContext): void;
  /** A timer set with context.setTimer() came due. */
  timer?(key: string, context: ActorContext): void;
  /**
   * The thread has no message to hand anyone and is about to park: work that can wait for an
   * idle moment (a learner's store faulting in the pages its next records will fill). Return true
   * if it did some: the loop looks for messages again and calls idle() again before it parks.
   * Keep each call short (a fraction of a millisecond): a message that arrives meanwhile waits.
   */
  idle?(context: ActorContext): boolean;
  /** Called on an orderly stop (not on a kill). */
  stop?(context: ActorContext): void | Promise<void>;
  /**
   * Endpoint `id` was released (its thread disconnected or died). Its id may be handed to another
   * endpoint next: forget whatever was kept for it (held messages, subscriptions), or it would
   * reach the newcomer. Runs before any link to the next holder of the id arrives.
   */
  peerReleased?(id: ActorId, context: ActorContext): void;
}

/**
 * A behaviour module is an ES module whose default export is this factory. It is loaded on the
 * actor's worker thread by URL, so it must be plain JavaScript there (a built file).
 */
export type ActorFactory = (config: unknown, context: ActorContext) => Actor | Promise<Actor>;

export interface ActorContext {
  readonly id: ActorId;
  readonly role: string;
  /**
   * Sends to an actor or endpoint. False if that link's mailbox is full now (nothing was sent): backpressure, the caller decides.
   * A message is a value once sent: the same object sent again right after (a fan-out) is encoded
   * once and its bytes copied, so a change made to it in between would not go out.
   */
  send(to: ActorId, message: unknown): boolean;
  /**
   * As send(), without waking the receiver: it finds the message at its next wake, which its own
   * timers guarantee within their interval. For messages whose reader gains nothing from being
   * woken for each (a leader's votes: it needs them for its window, not for any reply).
   */
  sendQuietly(to: ActorId, message: unknown): boolean;
  /** Ids this actor has links to (every other participant of the system). */
  peers(): readonly ActorId[];
  /** (Re)arms the timer `key` to fire once after `delayMs`. */
  setTimer(key: string, delayMs: number): void;
  cancelTimer(key: string): void;
  /** Milliseconds on this thread's monotonic clock. */
  now(): number;
  /**
   * How another thread (a helper the actor started: a file's fdatasync, say) wakes this actor's
   * thread when its work returns: the host then calls idle(), where the actor takes the outcome.
   */
  readonly wakeSignal: WakeSignal;
  /** Whether messages wait in this thread's mailbox now (for this actor or another on its thread): work that waiting on something would hold up. */
  messagesWaiting(): boolean;
  /**
   * In receive() of an actor that holdsSlabValues: the message's values in its senders' slab stay
   * valid until releaseSlabValues() is called with a key above `key` (the learner's: the slot).
   */
  keepSlabValues(key: number): void;
  /**
   * Lets go of the slab values kept with a key below `belowKey` (and of those not kept past the
   * message that brought them): their senders may write over them. False if something kept lags
   * too far behind its ring (SLAB_HOLD_LAG_BYTES_MAX): the actor must then copy out every slab
   * value it keeps and call releaseSlabValues(Infinity). True for an actor that holds none.
   */
  releaseSlabValues(belowKey: number): boolean;
  /**
   * A copy of `bytes` in this actor's value slab, which its sends reference where it lies instead
   * of copying it again (a value a proposer sends to every acceptor and learner); undefined where
   * the slab has no room or the actor has none (keep a copy elsewhere). Valid for as long as the
   * actor's keptSlabViews() visits it.
   */
  keepInSlab(bytes: Uint8Array): Uint8Array | undefined;
  /** Counters read by the control plane; the runtime keeps `received`, `sent` and `sendRefused`, the behaviour may add its own. */
  readonly counters: Record<string, number>;
}

export interface ActorSpec {
  /** Unique id; chosen by the system if omitted. */
  id?: ActorId;
  /** Free-form role name reported by the control plane ('proposer', 'acceptor', 'echo', ...). */
  role: string;
  /** URL (or file path / file: URL string) of the behaviour module. */
  module: string | URL;
  /** Passed to the factory; must be structured-cloneable. */
  config?: unknown;
  /**
   * Placement: actors with the same `worker` name share one worker thread. Omitted: a thread of
   * its own. Co-location matters on machines with fewer cores than actors.
   */
  worker?: string;
  /**
   * 'permanent': the supervisor restarts it after an unexpected exit; 'temporary': it stays down
   * until restart(). Default: the system's `supervision.restart`.
   */
  restart?: RestartPolicy;
}

export interface ActorInfo {
  id: ActorId;
  role: string;
  /** The worker thread's threadId (or the hosting thread's, for an endpoint). */
  threadId: number;
  /** Name of the worker it is placed on. */
  worker: string;
  alive: boolean;
  /** Why it died, if it did. */
  exitReason?: string;
  /** Times it was brought back (by the supervisor or restart()). */
  restarts: number;
}
