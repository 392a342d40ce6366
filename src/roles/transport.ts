// What a role driver needs from the world around it: somewhere to send, and a way to run a
// write that may fail. The worker actors pass their Courier and StorageGuard; the simulator
// passes its network and a guard of its own.
import type { Message, NodeId } from '../paxos/index.js';

/** Delivers a role's messages (in order per destination; loss is the protocol's to survive). */
export interface Transport {
  send(to: NodeId, message: Message): void;
}

/**
 * Runs a write (a sync, or an append that writes at once). True if it succeeded; false if the
 * store refused it (a full disk): the write is tried again later and nothing that depends on it
 * may leave. Any other error is thrown.
 */
export interface WriteGuard {
  trySync(write: () => void): boolean;
}

/** A guard for stores that never refuse: the write runs, and its errors are thrown. */
export const UNGUARDED_WRITES: WriteGuard = Object.freeze({
  trySync(write: () => void): boolean {
    write();
    return true;
  },
});
