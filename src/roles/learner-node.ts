// The learner's node: the pure Learner, its log in a record store, its read side, and the rule
// "record, write, then acknowledge; sync before reporting progress". The worker actor and the
// simulator both run this class (role-node.ts).
//
// After each step or tick, what the learner delivered is recorded in its log (buffered) along
// with its next slot, and its acknowledgements gathered. endTurn() writes the log once for
// everything since (flush: into the file, where a crash of the process keeps it; in shared
// memory, committed), publishes the written length to the read barrier, sends the
// acknowledgements (after the publish: a read that follows an acknowledgement must find the
// barrier raised) and lets the read side answer what waited. It fdatasyncs (sync) only before
// sending the messages it holds, the progress reports above all: they let the proposers and
// acceptors drop every slot below them, so they must not run ahead of what this log keeps across
// a crash of the machine.
//
// Why an acknowledgement need not wait for that fdatasync: every entry delivered was chosen, so a
// majority of acceptors synced it before voting for it, and they keep every slot at or above what
// this learner reported. A machine crash that cuts the learner's unsynced tail therefore loses
// nothing acknowledged: a restarted learner learns those slots again, at the same indexes (the
// proposer's heartbeats tell it how far slots are chosen; a reopened log's leader proposes the
// acceptors' slots again, and open() waits until every learner delivered them). The fdatasync
// this saves was half of each round's syncs with files (the acceptors' is the other).
//
// The learner delivers against the log's own session table (LearnerLog.sharedState()), advancing
// it as it goes, and the log records the deliveries without looking any client up again
// (recordDelivered). The table journals those advances until the record is made (checkpoint).
//
// A store that refuses a write:
//   - refused at record (a store that writes at once): the learner must not be ahead of its log,
//     so the table's advances past what the log holds are undone (rollbackFrom the log's length)
//     and the learner is rebuilt from what the log holds and learns those slots again (the
//     acceptors keep them: nothing below the log's next slot was reported);
//   - refused at flush or sync: everything stays held, acknowledgements too, and the next end of
//     turn tries again.
import { Learner, Ready } from '../paxos/index.js';
import type { Delivery, Envelope, LearnerConfig, LearnerDurableState, Message, NodeId } from '../paxos/index.js';
import type { ClientReplyBatchMessage } from '../protocol/wire.js';
import type { LearnerLog } from '../storage/index.js';
import { ReusedList } from '../util/reused-list.js';
import type { RoleNode } from './role-node.js';
import { UNGUARDED_WRITES, type Transport, type WriteGuard } from './transport.js';

export interface LearnerNodeOptions {
  readonly config: LearnerConfig;
  readonly log: LearnerLog;
  readonly transport: Transport;
  readonly guard?: WriteGuard;
  /** Builds the learner from the log's shared state (at start, and after a refused write): it must deliver against the state's sessions, the log's table. */
  readonly build?: (config: LearnerConfig, durable: LearnerDurableState) => Learner;
  /** Told of each delivery once the log took it (before it is synced): the simulator's checker listens here. */
  readonly delivered?: (delivery: Delivery) => void;
  /** Gathers acknowledgements as they are made; endTurn() drains it, after the sync and the publish. */
  readonly acks: AckSink;
  /** Sends one batch of acknowledgements to a client endpoint. */
  readonly sendAcks: (endpoint: number, message: ClientReplyBatchMessage) => void;
  /** The read barrier's publish point (what this log holds, written); none: no reads are served. */
  readonly barrier?: { publish(delivered: number): void };
  /** The read side (LearnerReads): takes the clients' reads, subscriptions and trims, and answers after each end of turn. */
  readonly reads?: ReadSide;
}

/** A learner's read side, as the node drives it (LearnerReads). */
export interface ReadSide {
  /** Handles a read, subscription or trim; false if `message` is none of those (a Paxos message). */
  onClientMessage(from: NodeId, message: { type: number }): boolean;
  /** After each end of turn that synced: answers held reads, pushes to subscriptions, trims. */
  afterRelease(): void;
}

/** Acknowledgements gathered per client endpoint (AckBatcher). */
export interface AckSink {
  add(clientId: number, seq: number, logIndex: number): void;
  drain(send: (endpoint: number, message: ClientReplyBatchMessage) => void): void;
}

export class LearnerNode implements RoleNode {
  readonly ticks = true;
  private learnerValue: Learner;
  private readonly ready = new Ready();
  private readonly held = new ReusedList<Envelope>();
  /** The next slot last written to the log: slots of no-ops advance it without delivering anything. */
  private recordedNextSlot: number;
  /** Recorded since the last flush. */
  private unflushed = false;
  /** Flushed since the last sync (written, not yet fdatasynced). */
  private unsynced = false;
  private readonly guard: WriteGuard;
  private readonly build: (config: LearnerConfig, durable: LearnerDurableState) => Learner;
  /** What the guard runs, made once: a closure per step and per turn was garbage on the delivery path. */
  private readonly recordReady = (): void => this.options.log.recordDelivered(this.ready.delivered, this.learnerValue.nextSlot);
  private readonly flushLog = (): void => this.options.log.flush();
  private readonly syncLog = (): void => this.options.log.sync();

  constructor(private readonly options: LearnerNodeOptions) {
    this.guard = options.guard ?? UNGUARDED_WRITES;
    this.build = options.build ?? ((config, durable) => new Learner(config, durable));
    this.learnerValue = this.build(options.config, options.log.sharedState());
    this.recordedNextSlot = options.log.nextSlot;
    options.log.sessionTable.checkpoint();
  }

  get learner(): Learner {
    return this.learnerValue;
  }

  get log(): LearnerLog {
    return this.options.log;
  }

  step(from: NodeId, message: { type: number }, nowMs: number): void {
    if (this.options.reads?.onClientMessage(from, message) === true) return;
    this.learnerValue.step(message as Message, nowMs, this.ready);
    this.take();
  }

  tick(nowMs: number): void {
    this.learnerValue.tick(nowMs, this.ready);
    this.take();
  }

  /**
   * The commit point: one write of the log for everything since the last end of turn, then the
   * barrier's publish, the acknowledgements of every delivery (and re-acknowledged duplicate) and
   * the read side; held messages only after a sync that covers them. False if the store refused
   * the write or the sync: nothing left, and the next end of turn tries again.
   */
  endTurn(): boolean {
    if (this.unflushed) {
      if (!this.guard.trySync(this.flushLog)) return false;
      this.unflushed = false;
      this.unsynced = true;
    }
    const held = this.held;
    if (held.length > 0) {
      if (this.unsynced) {
        if (!this.guard.trySync(this.syncLog)) return false;
        this.unsynced = false;
      }
      for (let i = 0; i < held.length; i++) {
        const envelope = held.get(i);
        this.options.transport.send(envelope.to, envelope.msg);
      }
      held.clear();
    }
    this.options.barrier?.publish(this.options.log.length);
    this.options.acks.drain(this.options.sendAcks);
    this.options.reads?.afterRelease();
    return true;
  }

  private take(): void {
    const ready = this.ready;
    const learner = this.learnerValue;
    // Record whenever the learner moved on, deliveries or not: it reports its progress to the
    // proposers, acceptors drop what it reports, so a no-op slot it skipped must be durable too.
    if (ready.delivered.length > 0 || learner.nextSlot > this.recordedNextSlot) {
      const log = this.options.log;
      if (!this.guard.trySync(this.recordReady)) {
        // A record split in parts may have kept some: what the log holds stays advanced.
        log.sessionTable.rollbackFrom(log.length);
        log.sessionTable.checkpoint();
        this.learnerValue = this.build(this.options.config, log.sharedState());
        ready.clear();
        return;
      }
      log.sessionTable.checkpoint();
      this.recordedNextSlot = learner.nextSlot;
      this.unflushed = true;
      for (let i = 0; i < ready.delivered.length; i++) {
        const delivery = ready.delivered.get(i);
        this.options.delivered?.(delivery);
        this.options.acks.add(delivery.command.clientId, delivery.command.seq, delivery.logIndex);
      }
    }
    for (let i = 0; i < ready.duplicates.length; i++) {
      const duplicate = ready.duplicates.get(i);
      this.options.acks.add(duplicate.clientId, duplicate.seq, duplicate.logIndex);
    }
    for (let i = 0; i < ready.send.length; i++) this.held.push(ready.send.get(i));
    ready.clear();
  }
}
