// The one worker-actor host of a role node (src/roles): a mailbox's messages step the node, the
// end of each drained batch (flush) ends its turn, and a timer (RUNTIME_TIMINGS.tickIntervalMs)
// ticks it and ends a turn of its own (a node with no clock gets only its courier's retries).
// Each role's actor module builds its node, courier and storage guard and hands them here with
// the counters it shows; the cadence is this file's alone.
import type { Actor, ActorContext, ActorId } from '../../actors/index.js';
import type { RoleNode } from '../../roles/index.js';
import type { Courier } from './courier.js';
import { RUNTIME_TIMINGS } from '../../protocol/timings.js';
import type { StorageGuard } from './storage-guard.js';

const TICK_TIMER_KEY = 'tick';

export interface HostedRole {
  /** Actor.receivesInPlace: the node steps on messages still in their ring (acceptors over shared memory). */
  readonly receivesInPlace?: boolean;
  /** Actor.receivesInPlaceFrom: as receivesInPlace, for some senders only (a proposer's clients). */
  receivesInPlaceFrom?(from: ActorId): boolean;
  /** Actor.holdsBackFrom: messages from `from` wait in their mailbox for now (a leader's clients, while its queue is long). */
  holdsBackFrom?(from: ActorId): boolean;
  /** Actor.keptSlabViews: the views of the actor's own value slab the node still reads. */
  keptSlabViews?(visit: (view: Uint8Array) => void): void;
  readonly node: RoleNode;
  /** Sends the node's messages, holding those a full mailbox refused until retry(). */
  readonly courier: Courier;
  /** Runs the node's writes; a refused one is retried on its own timer (roles with storage). */
  readonly guard?: StorageGuard;
  /** Writes the role's own counters (refreshed each tick; `dropped` and `storageFailures` are added here). */
  report(counters: Record<string, number>): void;
  /** Another timer of the role's (not the tick, courier or guard's). */
  timer?(key: string, context: ActorContext): void;
  /** Work for the thread's idle moments (Actor.idle); none by default. */
  idle?(context: ActorContext): boolean;
  /** Sets the role's other timers at start. */
  start?(context: ActorContext): void;
  /** An endpoint was released: forget what the role kept for it besides the courier's held messages. */
  peerReleased?(id: ActorId): void;
  stop?(): void;
}

export function roleActor(role: HostedRole): Actor {
  const { node, courier, guard } = role;
  const endTurn = (context: ActorContext): void => {
    courier.retry();
    // A store that refuses the sync holds back every reply of the turn; the guard retries.
    node.endTurn(context.now());
  };
  return {
    receivesInPlace: role.receivesInPlace === true,
    start(context) {
      context.setTimer(TICK_TIMER_KEY, RUNTIME_TIMINGS.tickIntervalMs);
      role.start?.(context);
    },
    receive(from, message, context) {
      node.step(from, message as { type: number }, context.now());
    },
    flush(context) {
      endTurn(context);
    },
    timer(key, context) {
      if (courier.onTimer(key)) return;
      if (guard?.onTimer(key) === true) {
        endTurn(context);
        return;
      }
      if (key !== TICK_TIMER_KEY) {
        role.timer?.(key, context);
        return;
      }
      if (node.ticks) {
        courier.retry();
        node.tick(context.now());
        endTurn(context);
      } else {
        // A node without a clock (an acceptor) only answers: its turns end with its batches, and
        // a refused sync is the guard's to retry on its own timer.
        courier.retry();
      }
      const counters = context.counters;
      role.report(counters);
      counters.dropped = courier.dropped;
      if (guard !== undefined) counters.storageFailures = guard.failures;
      context.setTimer(TICK_TIMER_KEY, RUNTIME_TIMINGS.tickIntervalMs);
    },
    stop() {
      role.stop?.();
    },
    ...(role.receivesInPlaceFrom === undefined ? {} : { receivesInPlaceFrom: role.receivesInPlaceFrom }),
    ...(role.holdsBackFrom === undefined ? {} : { holdsBackFrom: role.holdsBackFrom }),
    ...(role.keptSlabViews === undefined ? {} : { keptSlabViews: role.keptSlabViews }),
    // Only a role with idle work gets the callback: the host calls idle() on every idle pass.
    ...(role.idle === undefined ? {} : { idle: role.idle }),
    // A released endpoint's id may go to another endpoint: what was held for it must not reach that one.
    peerReleased(id) {
      courier.forget(id);
      role.peerReleased?.(id);
    },
  };
}
