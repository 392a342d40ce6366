// When an acceptor answers (acceptor-node.ts): every reply leaves only once a sync covering every
// write made before it has returned, in the order the replies were made; a store that syncs on a
// helper thread lets the acceptor go on taking messages meanwhile, and is asked to sync on the
// acceptor's own thread when no work waits. Here a store whose syncs the test completes by hand.
import { describe, expect, it } from 'vitest';
import { AcceptorNode, type WriteGuard } from '../../src/roles/index.js';
import { MemoryAcceptorStorage, MessageType, encodeValue, makeBallot, type AcceptedEntry, type Message, type NodeId } from '../../src/paxos/index.js';
import { HELD_REPLIES_MAX } from '../../src/protocol/limits.js';

const ACCEPTOR = 2;
const PROPOSER = 1;
const LEARNERS = [5, 6];
const BALLOT = makeBallot(3, PROPOSER);
const value = encodeValue([{ clientId: 7, seq: 1, data: new Uint8Array([1, 2, 3]) }]);

/** Acceptor storage whose syncs start with startSync() and return when the test says (completeSyncs). */
class HandSyncedStorage extends MemoryAcceptorStorage {
  started = 0;
  synced = 0;
  /** The syncHere argument of every startSync(). */
  readonly syncHereArgs: boolean[] = [];
  /** The next syncedMark() throws a full disk's error. */
  failNextPoll = false;

  sync(): void {
    this.synced = this.started;
  }
  startSync(syncHere = false): number {
    this.syncHereArgs.push(syncHere);
    this.started++;
    if (syncHere) this.synced = this.started;
    return this.started;
  }
  syncedMark(): number {
    if (this.failNextPoll) {
      this.failNextPoll = false;
      throw Object.assign(new Error('ENOSPC: no space left on device, fdatasync'), { code: 'ENOSPC', errno: -28 });
    }
    return this.synced;
  }
  /** Every sync started so far returns. */
  completeSyncs(): void {
    this.synced = this.started;
  }
}

/** Catches disk errors as the runtime's StorageGuard does (a refused write is retried, not thrown). */
class CountingGuard implements WriteGuard {
  refused = 0;
  trySync(write: () => void): boolean {
    try {
      write();
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      this.refused++;
      return false;
    }
  }
}

function setUp(options: { workWaiting?: boolean; storage?: MemoryAcceptorStorage & { sync(): void } } = {}) {
  // (A test that passes a store of its own reads it through its own variable.)
  const storage = (options.storage ?? new HandSyncedStorage()) as HandSyncedStorage;
  const sent: Array<{ to: NodeId; message: Message }> = [];
  const committed: AcceptedEntry[][] = [];
  const guard = new CountingGuard();
  let workWaiting = options.workWaiting ?? true;
  const node = new AcceptorNode({
    config: { id: ACCEPTOR, learners: LEARNERS },
    storage,
    transport: { send: (to, message) => void sent.push({ to, message }) },
    guard,
    workWaiting: () => workWaiting,
    committed: (entries) => {
      // What left before the hook ran must not include this batch's votes.
      committed.push([...entries]);
      committedAtSent.push(sent.length);
    },
  });
  const committedAtSent: number[] = [];
  return { node, storage, sent, committed, committedAtSent, guard, setWorkWaiting: (waiting: boolean) => (workWaiting = waiting) };
}

const accept = (slot: number, ballot = BALLOT): Message => ({ type: MessageType.Accept, from: PROPOSER, ballot, slot, value });
const prepare = (ballot: number): Message => ({ type: MessageType.Prepare, from: PROPOSER, ballot, fromSlot: 0 });
const types = (sent: Array<{ message: Message }>) => sent.map(({ message }) => message.type);

describe('an acceptor node over a store that syncs on a helper thread', () => {
  it("holds an Accept's votes until the sync covering it returns, going on meanwhile (work waits: the helper syncs)", () => {
    const { node, storage, sent } = setUp({ workWaiting: true });
    node.step(PROPOSER, accept(0));
    expect(node.endTurn()).toBe(true);
    expect(storage.syncHereArgs).toEqual([false]);
    expect(sent).toEqual([]);
    expect(node.waitingForSync).toBe(true);
    // Nothing returned yet: looking again sends nothing.
    expect(node.releaseSynced()).toBe(true);
    expect(sent).toEqual([]);
    // The acceptor takes the next Accept while the first sync runs.
    node.step(PROPOSER, accept(1));
    node.endTurn();
    expect(storage.syncHereArgs).toEqual([false, false]);
    storage.synced = 1; // the first sync returned, not the second
    node.releaseSynced();
    expect(sent.map(({ message }) => (message as { slot: number }).slot)).toEqual([0, 0, 0]);
    expect(sent.map(({ to }) => to).sort()).toEqual([PROPOSER, ...LEARNERS].sort());
    storage.completeSyncs();
    node.releaseSynced();
    expect(sent.map(({ message }) => (message as { slot: number }).slot)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(node.waitingForSync).toBe(false);
    expect(node.heldCount).toBe(0);
  });

  it('holds a reply that wrote nothing behind the sync of the writes before it, and sends in the order made', () => {
    const { node, storage, sent } = setUp();
    node.step(PROPOSER, accept(0));
    node.endTurn();
    // A Prepare below the promise: a Nack, no write of its own; it speaks of a promise whose write is not yet synced.
    node.step(PROPOSER, prepare(makeBallot(1, PROPOSER)));
    node.endTurn();
    expect(storage.started).toBe(1);
    expect(sent).toEqual([]);
    storage.completeSyncs();
    node.releaseSynced();
    expect(types(sent)).toEqual([MessageType.Accepted, MessageType.Accepted, MessageType.Accepted, MessageType.Nack]);
  });

  it('syncs on its own thread when no work waits: the replies leave within the same end of turn', () => {
    const { node, storage, sent } = setUp({ workWaiting: false });
    node.step(PROPOSER, accept(0));
    node.endTurn();
    expect(storage.syncHereArgs).toEqual([true]);
    expect(types(sent)).toEqual([MessageType.Accepted, MessageType.Accepted, MessageType.Accepted]);
  });

  it('tells the committed hook of an acceptance once it is synced, before any of its votes leave', () => {
    const { node, storage, sent, committed, committedAtSent } = setUp();
    node.step(PROPOSER, accept(4));
    node.endTurn();
    expect(committed).toEqual([]);
    storage.completeSyncs();
    node.releaseSynced();
    expect(committed.map((entries) => entries.map((entry) => entry.slot))).toEqual([[4]]);
    expect(committedAtSent).toEqual([0]);
    expect(sent).toHaveLength(3);
  });

  it('keeps the replies through a failed sync and sends them once a sync succeeds; past HELD_REPLIES_MAX the oldest go', () => {
    const { node, storage, sent, guard } = setUp();
    node.step(PROPOSER, accept(0));
    node.endTurn();
    storage.completeSyncs();
    storage.failNextPoll = true;
    expect(node.releaseSynced()).toBe(false);
    expect(guard.refused).toBe(1);
    expect(sent).toEqual([]);
    expect(node.releaseSynced()).toBe(true);
    expect(sent).toHaveLength(3);

    // A disk that keeps failing: the replies held stay within the bound, the newest kept.
    const slots = Math.ceil(HELD_REPLIES_MAX / 3) + 10;
    for (let slot = 1; slot <= slots; slot++) node.step(PROPOSER, accept(slot));
    node.endTurn();
    storage.completeSyncs();
    storage.failNextPoll = true;
    node.releaseSynced();
    expect(node.heldCount).toBe(HELD_REPLIES_MAX);
    node.releaseSynced();
    const slotsSent = sent.slice(3).map(({ message }) => (message as { slot: number }).slot);
    expect(slotsSent).toHaveLength(HELD_REPLIES_MAX);
    expect(slotsSent.at(-1)).toBe(slots);
  });

  it('over a store that only syncs (no startSync), syncs at each end of turn and replies at once', () => {
    const storage = Object.assign(new MemoryAcceptorStorage(), { syncs: 0, sync(this: { syncs: number }) { this.syncs++; } });
    const { node, sent } = setUp({ storage });
    node.step(PROPOSER, accept(0));
    node.endTurn();
    expect(storage.syncs).toBe(1);
    expect(sent).toHaveLength(3);
    // A turn with no write: no sync, the reply leaves.
    node.step(PROPOSER, prepare(makeBallot(1, PROPOSER)));
    node.endTurn();
    expect(storage.syncs).toBe(1);
    expect(types(sent).at(-1)).toBe(MessageType.Nack);
  });
});
