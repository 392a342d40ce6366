// The acceptor's node: the pure Acceptor, its durable storage, and the rule "persist, then
// send" with group commit. The worker actor, the simulator and the leader warm-up all run this
// class (role-node.ts), so the order they follow cannot drift apart.
//
// Per message, step() persists what the acceptor asks for (appends: buffered until the commit)
// and holds its replies; endTurn() starts one sync for everything stepped since and seals the
// turn's replies with the mark that sync must reach; they leave once it has (releaseSynced).
// A store that syncs on a helper thread (a file, fsync 'batch') returns at once, so the acceptor
// keeps taking messages while the disk syncs, and the replies go out at a later turn or idle
// moment (group commit across turns); a store that only syncs is synced there and then, and its
// replies leave in the same endTurn. Replies leave in the order they were made, each only once
// every write before it is synced: a reply made without a write of its own (a repeated Accept's
// vote, say) may speak of a write still waiting for its sync.
//
// A store that refuses a write (a full disk, full shared memory) is not a crash:
//   - refused at step (a store that writes at once): the acceptor must not be ahead of its store,
//     so it is rebuilt from what the store holds and this message's replies are dropped (the
//     proposer retransmits);
//   - refused at commit: the replies stay held (the oldest go past heldRepliesMax, being only
//     answers) and the next commit tries again.
import { Acceptor, Ready, persistReady } from '../paxos/index.js';
import type { AcceptedEntry, AcceptorConfig, AcceptorDurableState, AcceptorStorage, Envelope, Message, NodeId } from '../paxos/index.js';
import { HELD_REPLIES_MAX } from '../protocol/limits.js';
import { ReusedList } from '../util/reused-list.js';
import type { RoleNode } from './role-node.js';
import { UNGUARDED_WRITES, type Transport, type WriteGuard } from './transport.js';

/** Storage with a commit point: every write before sync() is durable once it returns. */
export interface SyncedAcceptorStorage extends AcceptorStorage {
  sync(): void;
  /**
   * The commit point without the wait (both or neither): startSync() returns the mark that
   * syncedMark() must reach before anything depending on the writes so far may leave. A disk
   * error is thrown from either (the guard's to handle). `syncHere`: sync before returning (the
   * caller has nothing to do meanwhile). Absent: sync() is the commit point.
   */
  startSync?(syncHere?: boolean): number;
  syncedMark?(): number;
}

export interface AcceptorNodeOptions {
  readonly config: AcceptorConfig;
  readonly storage: SyncedAcceptorStorage;
  readonly transport: Transport;
  readonly guard?: WriteGuard;
  /** Builds the acceptor from its durable state (at start, and after a refused write). The simulator's broken acceptors come in here. */
  readonly build?: (config: AcceptorConfig, durable: AcceptorDurableState) => Acceptor;
  /**
   * Told the entries accepted since the last commit once they are synced, before any reply leaves
   * (the simulator's checker counts votes here: an acceptance a crash took back before its sync
   * was never one).
   */
  readonly committed?: (entries: readonly AcceptedEntry[]) => void;
  /**
   * Whether work waits that a sync on this thread would hold up (messages in the mailbox): then a
   * store that can sync on a helper thread does, and this thread takes that work meanwhile;
   * otherwise it syncs here, which replies sooner than a helper's wake-up would. Absent: never.
   */
  readonly workWaiting?: () => boolean;
}

export class AcceptorNode implements RoleNode {
  /** An acceptor only answers: nothing of it runs on the clock. */
  readonly ticks = false;
  private acceptorValue: Acceptor;
  private readonly ready = new Ready();
  /** Replies of the turn so far, not yet sealed with a mark (endTurn). */
  private readonly held = new ReusedList<Envelope>();
  private unsynced = false;
  /** Entries accepted this turn so far, kept only for the committed hook. */
  private readonly unsyncedEntries = new ReusedList<AcceptedEntry>();
  /** Sealed replies in the order made, each with the mark the store's syncs must reach before it leaves. */
  private readonly waiting = new ReusedList<Envelope>();
  private readonly waitingMarks = new ReusedList<number>();
  /** The same for the committed hook's entries. */
  private readonly waitingEntries = new ReusedList<AcceptedEntry>();
  private readonly waitingEntryMarks = new ReusedList<number>();
  /** The mark the last started sync will reach (every write so far is at or below it), and how far the syncs reach. */
  private startedMark = 0;
  private syncedMarkValue = 0;
  private readonly guard: WriteGuard;
  /** What the guard runs, made once: a closure per step and per turn was garbage on the Accept path. */
  private readonly persistStep = (): void => persistReady(this.options.storage, this.ready);
  private readonly startSyncStep: () => void;
  private readonly pollSyncStep: () => void;
  private readonly build: (config: AcceptorConfig, durable: AcceptorDurableState) => Acceptor;

  constructor(private readonly options: AcceptorNodeOptions) {
    this.guard = options.guard ?? UNGUARDED_WRITES;
    this.build = options.build ?? ((config, durable) => new Acceptor(config, durable));
    this.acceptorValue = this.build(options.config, options.storage.load());
    const storage = options.storage;
    if (storage.startSync !== undefined && storage.syncedMark !== undefined) {
      const workWaiting = options.workWaiting;
      this.startSyncStep = () => (this.startedMark = storage.startSync!(workWaiting === undefined || !workWaiting()));
      this.pollSyncStep = () => (this.syncedMarkValue = storage.syncedMark!());
    } else {
      // A store that only syncs: each sync is the next mark, reached when it returns.
      this.startSyncStep = () => {
        storage.sync();
        this.syncedMarkValue = ++this.startedMark;
      };
      this.pollSyncStep = () => {};
    }
  }

  get acceptor(): Acceptor {
    return this.acceptorValue;
  }

  /** Replies made and not yet sent: held for a commit, or waiting for their sync to return. */
  get heldCount(): number {
    return this.held.length + this.waiting.length;
  }

  /** Replies (and entries) wait for a sync in flight: releaseSynced() has something to do once it returns. */
  get waitingForSync(): boolean {
    return this.waiting.length > 0 || this.waitingEntries.length > 0;
  }

  /** Steps the acceptor and persists what it asks for; its replies wait for endTurn(). */
  step(_from: NodeId, message: { type: number }): void {
    const ready = this.ready;
    this.acceptorValue.step(message as Message, ready);
    if (ready.hasPersist()) {
      this.unsynced = true;
      if (!this.guard.trySync(this.persistStep)) {
        this.acceptorValue = this.build(this.options.config, this.options.storage.load());
        ready.clear();
        return;
      }
      if (this.options.committed !== undefined) for (let i = 0; i < ready.accepted.length; i++) this.unsyncedEntries.push(ready.accepted.get(i));
    }
    for (let i = 0; i < ready.send.length; i++) this.held.push(ready.send.get(i));
    ready.clear();
  }

  tick(): void {}

  /**
   * The commit point: starts one sync for everything the turn wrote and seals the turn's replies
   * with its mark, then sends every reply whose sync has returned. False if the store refused the
   * write or a sync failed (the replies stay held; the guard retries).
   */
  endTurn(): boolean {
    if (this.unsynced) {
      if (!this.guard.trySync(this.startSyncStep)) {
        this.capHeld();
        return false;
      }
      this.unsynced = false;
    }
    // Every write so far is at or below startedMark: a reply made without a write waits for it too.
    const mark = this.startedMark;
    const held = this.held;
    for (let i = 0; i < held.length; i++) {
      this.waiting.push(held.get(i));
      this.waitingMarks.push(mark);
    }
    held.clear();
    const entries = this.unsyncedEntries;
    for (let i = 0; i < entries.length; i++) {
      this.waitingEntries.push(entries.get(i));
      this.waitingEntryMarks.push(mark);
    }
    entries.clear();
    return this.releaseSynced();
  }

  /**
   * Sends, in order, every sealed reply whose sync has returned (the actor's idle moments call it
   * while replies wait: a helper thread's sync wakes the thread when it returns). False if a sync
   * failed (the replies stay; the guard retries, and endTurn() starts the sync again).
   */
  releaseSynced(): boolean {
    if (!this.waitingForSync) return true;
    if (!this.guard.trySync(this.pollSyncStep)) {
      this.capHeld();
      return false;
    }
    const synced = this.syncedMarkValue;
    const entryMarks = this.waitingEntryMarks;
    let entriesSynced = 0;
    while (entriesSynced < entryMarks.length && entryMarks.get(entriesSynced) <= synced) entriesSynced++;
    if (entriesSynced > 0) {
      // Told before any reply leaves (an acceptance counts as a vote only once it is synced).
      const committed = this.options.committed;
      if (committed !== undefined) {
        const durable: AcceptedEntry[] = [];
        for (let i = 0; i < entriesSynced; i++) durable.push(this.waitingEntries.get(i));
        committed(durable);
      }
      this.waitingEntries.dropFirst(entriesSynced);
      entryMarks.dropFirst(entriesSynced);
    }
    const marks = this.waitingMarks;
    const waiting = this.waiting;
    let sent = 0;
    while (sent < marks.length && marks.get(sent) <= synced) {
      const envelope = waiting.get(sent++);
      this.options.transport.send(envelope.to, envelope.msg);
    }
    waiting.dropFirst(sent);
    marks.dropFirst(sent);
    return true;
  }

  /** After a refused commit: the oldest replies go past HELD_REPLIES_MAX (only answers: the proposers retransmit). */
  private capHeld(): void {
    const excess = this.held.length + this.waiting.length - HELD_REPLIES_MAX;
    if (excess <= 0) return;
    const fromWaiting = Math.min(excess, this.waiting.length);
    this.waiting.dropFirst(fromWaiting);
    this.waitingMarks.dropFirst(fromWaiting);
    this.held.dropFirst(excess - fromWaiting);
  }
}
