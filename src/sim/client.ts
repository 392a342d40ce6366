// A simulated client: the runtime's own AppendCore (sessions, exactly-once sequence numbers,
// per-turn batching, leader routing, NewLeader, Redirects, resends), a node like the roles
// (role-node.ts: its turn's requests go out at the end of the turn), driven by simulated time
// with a workload of its own: `commandsTotal` appends, up to `inflightMax` at once, some of them
// reservations of several indexes (as the sequencer's next(count) makes). After an append
// resolves, the client often reads its index back (the runtime's PagedRead, starting at a random
// learner), which must see it: a read that starts after an append resolved sees it. Some clients
// also follow the log from the start (the runtime's FollowRead, with little credit so the flow
// control works hard), and every entry they are handed is checked against what was delivered.
import { AppendCore, type AppendCoreOptions, type AppendCoreSink } from '../protocol/append-core.js';
import { FollowRead, PagedRead } from '../protocol/read-core.js';
import { forEachAck } from '../protocol/ack-ranges.js';
import { LogMessageType, type ClientReplyBatchMessage, type ClientRequestBatchMessage, type EntriesPushMessage, type ReadReplyMessage } from '../protocol/wire.js';
import { MessageType } from '../paxos/index.js';
import type { ClientReplyMessage, Command, Message, NodeId } from '../paxos/index.js';
import type { RoleNode } from '../roles/index.js';
import type { Rng } from './rng.js';

export interface ClientCallbacks {
  send(to: NodeId, msg: Message): void;
  /** A command got its (clientId, seq) and goes out. */
  submitted(command: Command): void;
  /** A learner said the command (clientId, seq) sits at logIndex (every such reply, not only the first). */
  acknowledged(clientId: number, seq: number, logIndex: number): void;
  /** A learner answered a read of `index`, sent after the append there (with `data`) resolved. */
  readAnswered(learner: NodeId, index: number, data: Uint8Array, committed: number, entry: Uint8Array | undefined): void;
  /** A follow subscription handed out the entry at `index` (in order: the previous one was index - 1). */
  followed(index: number, data: Uint8Array): void;
}

export interface SimClientOptions {
  readonly id: NodeId;
  readonly commandsTotal: number;
  readonly startMs: number;
  /** Resend an unanswered append after this long. */
  readonly retryMs: number;
  /** Appends in flight at once, at most. */
  readonly inflightMax: number;
  readonly proposers: readonly NodeId[];
  /** Learners to read from. */
  readonly learners: readonly NodeId[];
  /** Follow the log from index 0. */
  readonly follows: boolean;
  readonly rng: Rng;
  /** Builds the append core (the simulator's deliberately broken client comes in here). Default: AppendCore. */
  readonly core?: <T>(options: AppendCoreOptions, sink: AppendCoreSink<T>) => AppendCore<T>;
  /** Builds the follow reader (the same, for the broken follower). Default: FollowRead. */
  readonly followRead?: (fromIndex: number, from: number, subscriptionId: number, creditEntries: number) => FollowRead;
  /** Where the client sends, and what it tells the checker. */
  readonly callbacks: ClientCallbacks;
}

/** Simulated appends never time out: liveness is the scheduler's to judge. */
const NEVER_MS = 1e12;
const REQUEST_BATCH_BYTES_MAX = 64 * 1024;
/** Share of resolved appends the client reads back. */
const READ_BACK_CHANCE = 0.5;
/** A read unanswered this long is asked of another learner (a crash loses the reads a learner holds). */
const READ_RETRY_MS = 300;

/** A follower hearing nothing this long subscribes again (the learner may have restarted). */
const FOLLOW_RESUBSCRIBE_MS = 300;
/** Entries a follower lets its learner push ahead: small, so credit runs out and comes back often. */
const FOLLOW_CREDIT_ENTRIES = 64;

interface PendingRead {
  readonly index: number;
  readonly data: Uint8Array;
  readonly read: PagedRead;
  sentMs: number;
}

interface SimAppend {
  readonly data: Uint8Array;
  readonly count: number;
}

export class SimClient implements RoleNode {
  readonly id: NodeId;
  readonly ticks = true;
  private readonly options: SimClientOptions;
  private readonly core: AppendCore<SimAppend>;
  private issued = 0;
  private ackedCount = 0;
  private lastAckMs = 0;
  private nowMs = 0;
  private readonly callbacks: ClientCallbacks;
  private readonly reads = new Map<number, PendingRead>();
  private nextReadId = 1;
  private readsAnsweredCount = 0;
  private readonly follow: FollowRead | undefined;
  private readonly followLearner: NodeId;
  private followHeardMs = -Infinity;
  private followedCount = 0;

  constructor(options: SimClientOptions) {
    this.id = options.id;
    this.options = options;
    this.callbacks = options.callbacks;
    // Start at a random proposer, as threads of a real process would find different ones first.
    const first = options.rng.int(0, options.proposers.length - 1);
    const proposers = [...options.proposers.slice(first), ...options.proposers.slice(0, first)];
    this.followLearner = options.learners.length > 0 ? options.rng.pick(options.learners) : -1;
    const followRead = options.followRead ?? ((fromIndex, from, id, credit) => new FollowRead(fromIndex, from, id, credit));
    this.follow = options.follows && options.learners.length > 0 ? followRead(0, options.id, 1, FOLLOW_CREDIT_ENTRIES) : undefined;
    const build = options.core ?? ((coreOptions, sink) => new AppendCore(coreOptions, sink));
    this.core = build<SimAppend>(
      {
        generation: 0,
        endpointId: options.id,
        proposers,
        inflightAppendsMax: options.inflightMax,
        appendTimeoutMs: NEVER_MS,
        resendAfterMs: options.retryMs,
        requestBatchBytesMax: REQUEST_BATCH_BYTES_MAX,
        // Every timed-out append in a silence, not a probe: more copies at a leader change.
        resendInSilence: 'all',
      },
      {
        // The simulated network carries objects, not bytes: the batch's commands are a view of the
        // core's reused buffer, so they travel as a copy (a mailbox would have encoded them).
        send: (to, message) => {
          const batch = message as ClientRequestBatchMessage;
          const sent = batch.type === LogMessageType.ClientRequestBatch ? { ...batch, commands: batch.commands.slice() } : message;
          this.callbacks.send(to, sent as unknown as Message);
        },
        started: (append, clientId, seq) => this.callbacks.submitted({ clientId, seq, count: append.count, data: append.data }),
        resolved: (append, logIndex) => {
          this.ackedCount++;
          this.lastAckMs = this.nowMs;
          if (options.learners.length > 0 && options.rng.chance(READ_BACK_CHANCE)) this.readBack(logIndex, append.data);
        },
        rejected: (_append, error) => {
          throw new Error(`simulated client ${this.id}: an append failed: ${error.message}`);
        },
      },
    );
  }

  get done(): boolean {
    return this.ackedCount >= this.options.commandsTotal;
  }

  get acked(): number {
    return this.ackedCount;
  }

  /** Simulated time of the last acknowledgement (for liveness reports). */
  get lastAcknowledgedMs(): number {
    return this.lastAckMs;
  }

  get inflight(): number {
    return this.core.inflight;
  }

  /** Reads answered so far (each checked by readAnswered). */
  get readsAnswered(): number {
    return this.readsAnsweredCount;
  }

  /** Entries a follow subscription handed out so far (each checked by followed). */
  get followed(): number {
    return this.followedCount;
  }

  tick(nowMs: number): void {
    if (nowMs < this.options.startMs) return;
    this.nowMs = nowMs;
    const callbacks = this.callbacks;
    this.core.sweep(nowMs);
    for (const [requestId, pending] of this.reads) {
      if (nowMs - pending.sentMs < READ_RETRY_MS) continue;
      pending.read.onSilence();
      this.sendRead(requestId, pending);
    }
    if (this.follow !== undefined && nowMs - this.followHeardMs >= FOLLOW_RESUBSCRIBE_MS) {
      this.followHeardMs = nowMs;
      callbacks.send(this.followLearner, this.follow.subscribe() as unknown as Message);
    }
    this.issue(nowMs);
  }

  step(_from: NodeId, message: { type: number }, nowMs: number): void {
    this.nowMs = nowMs;
    const msg = message as Message;
    const callbacks = this.callbacks;
    // Every acknowledgement from every learner is checked, not only the one that settles an append.
    const type = (msg as { type: number }).type;
    if (type === LogMessageType.ClientReplyBatch) {
      forEachAck((msg as unknown as ClientReplyBatchMessage).ranges, callbacks.acknowledged);
    } else if (type === MessageType.ClientReply) {
      const reply = msg as ClientReplyMessage;
      callbacks.acknowledged(reply.clientId, reply.seq, reply.logIndex);
    } else if (type === LogMessageType.ReadReply) {
      const reply = msg as unknown as ReadReplyMessage;
      const pending = this.reads.get(reply.requestId);
      if (pending === undefined) return; // answered already, by the learner asked before
      this.reads.delete(reply.requestId);
      this.readsAnsweredCount++;
      // The read starts at the append's index: its first entry must be that append.
      const first = pending.read.onReply(reply)[0];
      callbacks.readAnswered(reply.from, pending.index, pending.data, reply.committed, first?.index === pending.index ? first.data : undefined);
      return;
    } else if (type === LogMessageType.EntriesPush && this.follow !== undefined) {
      this.followHeardMs = nowMs;
      for (const entry of this.follow.onPush(msg as unknown as EntriesPushMessage)) {
        this.followedCount++;
        callbacks.followed(entry.index, entry.data);
        const credit = this.follow.consumed(entry.index);
        if (credit !== undefined) callbacks.send(this.followLearner, credit as unknown as Message);
      }
      const again = this.follow.takeMessage();
      if (again !== undefined) callbacks.send(this.followLearner, again as unknown as Message);
      return;
    }
    this.core.onMessage(msg as { type: number }, nowMs);
    if (nowMs >= this.options.startMs) this.issue(nowMs);
  }

  /** The end of the turn: the turn's appends and resends go out, batched per proposer. */
  endTurn(): boolean {
    this.core.flush();
    return true;
  }

  private readBack(index: number, data: Uint8Array): void {
    const learners = this.options.learners;
    const first = this.options.rng.int(0, learners.length - 1);
    const read = new PagedRead(index, [...learners.slice(first), ...learners.slice(0, first)]);
    const requestId = this.nextReadId++;
    const pending: PendingRead = { index, data, read, sentMs: this.nowMs };
    this.reads.set(requestId, pending);
    this.sendRead(requestId, pending);
  }

  private sendRead(requestId: number, pending: PendingRead): void {
    pending.sentMs = this.nowMs;
    this.callbacks.send(pending.read.learner, pending.read.request(this.id, requestId) as unknown as Message);
  }

  private issue(nowMs: number): void {
    const rng = this.options.rng;
    while (this.issued < this.options.commandsTotal && this.core.inflight + this.core.waitingCount < this.options.inflightMax) {
      const length = rng.int(1, 8);
      const data = new Uint8Array(length);
      for (let i = 0; i < length; i++) data[i] = rng.int(0, 255);
      // A quarter of the commands reserve several log indexes at once, as the sequencer's next(count) does.
      const count = rng.chance(0.25) ? rng.int(2, 40) : 1;
      this.issued++;
      this.core.submit({ data, count }, data, count, nowMs);
    }
  }
}
