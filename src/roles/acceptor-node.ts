// The acceptor's node: the pure Acceptor, its durable storage, and the rule "persist, then
// send" with group commit. The worker actor, the simulator and the leader warm-up all run this
// class (role-node.ts), so the order they follow cannot drift apart.
//
// Per message, step() persists what the acceptor asks for (appends: buffered until the commit)
// and holds its replies; endTurn() syncs once for everything stepped since, and only then sends
// the held replies. A store that refuses a write (a full disk, full shared memory) is not a crash:
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
}

export class AcceptorNode implements RoleNode {
  /** An acceptor only answers: nothing of it runs on the clock. */
  readonly ticks = false;
  private acceptorValue: Acceptor;
  private readonly ready = new Ready();
  /** Replies of the batch since the last commit, held until its writes are synced. */
  private readonly held = new ReusedList<Envelope>();
  private unsynced = false;
  /** Entries accepted since the last commit, kept only for the committed hook. */
  private readonly unsyncedEntries = new ReusedList<AcceptedEntry>();
  private readonly guard: WriteGuard;
  /** What the guard runs, made once: a closure per step and per turn was garbage on the Accept path. */
  private readonly persistStep = (): void => persistReady(this.options.storage, this.ready);
  private readonly syncStore = (): void => this.options.storage.sync();
  private readonly build: (config: AcceptorConfig, durable: AcceptorDurableState) => Acceptor;

  constructor(private readonly options: AcceptorNodeOptions) {
    this.guard = options.guard ?? UNGUARDED_WRITES;
    this.build = options.build ?? ((config, durable) => new Acceptor(config, durable));
    this.acceptorValue = this.build(options.config, options.storage.load());
  }

  get acceptor(): Acceptor {
    return this.acceptorValue;
  }

  /** Replies waiting for the next successful end of turn. */
  get heldCount(): number {
    return this.held.length;
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

  /** The commit point: one sync for the batch, then its replies. False if the store refused the sync (the replies stay held). */
  endTurn(): boolean {
    if (this.unsynced) {
      if (!this.guard.trySync(this.syncStore)) {
        if (this.held.length > HELD_REPLIES_MAX) this.held.dropFirst(this.held.length - HELD_REPLIES_MAX);
        return false;
      }
      this.unsynced = false;
      if (this.unsyncedEntries.length > 0) {
        this.options.committed?.(this.unsyncedEntries.toArray());
        this.unsyncedEntries.clear();
      }
    }
    const held = this.held;
    for (let i = 0; i < held.length; i++) {
      const envelope = held.get(i);
      this.options.transport.send(envelope.to, envelope.msg);
    }
    held.clear();
    return true;
  }
}
