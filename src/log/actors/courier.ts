import type { ActorContext, ActorId } from '../../actors/index.js';
import { UnknownActorError } from '../../actors/index.js';
import { HELD_MESSAGES_PER_PEER_MAX } from '../../protocol/limits.js';
import { RUNTIME_TIMINGS } from '../../protocol/timings.js';

/** The timer key a courier with held messages arms; the actor hands it back through onTimer(). */
export const COURIER_TIMER_KEY = 'courier';

/**
 * Sends protocol messages in order per destination, holding them while a mailbox is full
 * instead of dropping them at the first sign of backpressure (Paxos would survive the drop, at
 * the cost of a retransmit timeout). A dead peer's queue is bounded: once full, the oldest
 * messages go, which the protocol tolerates like any lost message.
 */
export class Courier {
  private readonly queues = new Map<ActorId, unknown[]>();
  /** Whether any queue may hold a message: retry() runs on every tick, and walking the map is garbage. */
  private holding = false;
  private retryArmed = false;
  dropped = 0;

  constructor(
    private readonly context: ActorContext,
    /** Which messages go without waking their receiver (ActorContext.sendQuietly) when sent at once; none by default. A held message goes loud. */
    private readonly quiet?: (to: ActorId, message: unknown) => boolean,
    /**
     * What a message becomes when it is held past its turn: for a sender whose messages may hold
     * views of memory that moves later (an acceptor's entries in its shared store), a copy.
     */
    private readonly keep: (message: unknown) => unknown = (message) => message,
    /** Told each time held messages to `to` went in (its reader is behind, and reading). */
    private readonly progressed?: (to: ActorId) => void,
  ) {}

  send(to: ActorId, message: unknown): void {
    const queue = this.queues.get(to);
    if (queue !== undefined && queue.length > 0) {
      if (queue.length >= HELD_MESSAGES_PER_PEER_MAX) {
        queue.shift();
        this.dropped++;
      }
      queue.push(this.keep(message));
      return;
    }
    if (!this.trySend(to, message)) {
      this.holding = true;
      const kept = this.keep(message);
      if (queue === undefined) this.queues.set(to, [kept]);
      else queue.push(kept);
      this.armRetry();
    }
  }

  /** Call from the actor's timer() for COURIER_TIMER_KEY; returns whether the key was the courier's. */
  onTimer(key: string): boolean {
    if (key !== COURIER_TIMER_KEY) return false;
    this.retryArmed = false;
    this.retry();
    return true;
  }

  /** Sends what was held back, as far as mailboxes allow. Call on every tick. */
  retry(): void {
    if (!this.holding) return;
    let held = false;
    for (const [to, queue] of this.queues) {
      if (queue.length === 0) continue;
      let sent = 0;
      // Loud: a message sent quietly counts on something else waking its receiver soon after
      // (the acceptors' votes, for a learner's Accept); held, it comes later than that wake.
      while (sent < queue.length && this.trySend(to, queue[sent], false)) sent++;
      if (sent > 0) {
        queue.splice(0, sent);
        this.progressed?.(to);
      }
      if (queue.length > 0) held = true;
    }
    this.holding = held;
    if (held) this.armRetry();
  }

  /** Held messages go as soon as there is room: a short timer, not the role's next tick. */
  private armRetry(): void {
    if (this.retryArmed) return;
    this.retryArmed = true;
    // Soon: a full mailbox frees up as fast as its reader drains it.
    this.context.setTimer(COURIER_TIMER_KEY, RUNTIME_TIMINGS.courierRetryMs);
  }

  /** Drops what is held for `to` (a released endpoint: its id may go to another endpoint next). */
  forget(to: ActorId): void {
    this.queues.delete(to);
  }

  get queued(): number {
    let total = 0;
    for (const queue of this.queues.values()) total += queue.length;
    return total;
  }

  private trySend(to: ActorId, message: unknown, mayBeQuiet = true): boolean {
    try {
      return mayBeQuiet && this.quiet?.(to, message) === true ? this.context.sendQuietly(to, message) : this.context.send(to, message);
    } catch (error) {
      // A message too large for a mailbox is a bug (src/protocol/limits.ts sizes every message to fit):
      // it is thrown, never dropped, so it cannot turn into a silent hang.
      // While a cluster starts, its actors come up one by one: a peer not linked yet is a full mailbox for now.
      if (error instanceof UnknownActorError) return false;
      throw error;
    }
  }
}
