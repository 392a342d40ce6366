// One role as every host runs it, in the style of etcd's RawNode: the host hands it messages
// (step) and the clock (tick), and ends each turn (endTurn); the node does the rest. What a turn
// produced leaves through what the host gave the node at construction (its Transport, storage
// and hooks), in the node's own order ("persist, then send"), so no host repeats that order or
// polls the core to notice what changed.
//
// The cadence is the same in every host: a turn is the messages of one pass (or one tick), and
// its end is the commit point:
//   - the worker actors: the messages a mailbox drain handed over, then flush(); a timer's tick
//     is a turn of its own;
//   - the simulator: the messages and ticks that arrive until the node's commit event, a moment
//     after the first of them (a worker's batch, so a crash can fall between a write and its sync);
//   - the leader warm-up: each node's mailbox drained, then its end of turn.
import type { NodeId } from '../paxos/index.js';

export interface RoleNode {
  /** A message from `from` (a role, or a client endpoint). Replies wait for the end of the turn where they must. */
  step(from: NodeId, message: { type: number }, nowMs: number): void;
  /** The clock moved to `nowMs`: heartbeats, elections, retransmits, catch-up fall due here. */
  tick(nowMs: number): void;
  /**
   * The end of a turn: one sync for everything the turn wrote, then what waited for it leaves (and a
   * leader opens slots for what the turn queued). False if the store refused the sync: what waited
   * stays held, and the next end of turn tries again.
   */
  endTurn(nowMs: number): boolean;
  /** False for a node whose tick does nothing (an acceptor, which only answers): a host need not clock it. */
  readonly ticks: boolean;
}
